"""Read stage: recipients, local figures and RNE files → validated records."""

from lettergen.read.recipients import read_recipients
from lettergen.read.records import DEFAULT_FONCTION, ReadResult, Recipient

__all__ = ["DEFAULT_FONCTION", "ReadResult", "Recipient", "read_recipients"]
