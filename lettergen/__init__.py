"""lettergen: personalised French advocacy letters, DOCX and PDF."""

__version__ = "0.1.0"

__all__ = ["__version__"]
