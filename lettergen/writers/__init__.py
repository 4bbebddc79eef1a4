"""writers stage of lettergen."""
