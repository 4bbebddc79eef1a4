"""french stage of lettergen."""
