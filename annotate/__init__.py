"""annotate: LLM-assisted pre-labeling, review in Label Studio, and a versioned gold dataset."""

from annotate.core.types import AlignmentStatus, Document, Extraction, Grounding
from annotate.documents import DocumentError, load_document

__all__ = ["AlignmentStatus", "Document", "DocumentError", "Extraction", "Grounding", "load_document"]
__version__ = "0.1.0"
