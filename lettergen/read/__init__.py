"""Read stage: recipients, local figures and RNE files → validated records."""

from lettergen.read.records import DEFAULT_FONCTION, ReadResult, Recipient
from lettergen.read.recipients import read_recipients

__all__ = ["DEFAULT_FONCTION", "ReadResult", "Recipient", "read_recipients"]
