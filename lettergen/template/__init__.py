"""template stage of lettergen."""
