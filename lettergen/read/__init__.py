"""Read stage: recipients, local figures and RNE files → validated records."""
