"""annotate: LLM-assisted pre-labeling, review in Label Studio, and a versioned gold dataset.

The public surface is what ``__all__`` lists: three calls (:func:`extract`, :func:`prelabel`,
:func:`open_store`), the Pydantic types they return, and the errors they raise. Everything else is
reachable but internal, and may change between versions.
"""

from annotate.api import extract, open_store, prelabel
from annotate.core.types import AlignmentStatus, Document, Extraction, ExtractionFailure, Grounding
from annotate.documents import DocumentError, load_document
from annotate.schema_registry import SchemaError, SchemaSpec, get_schema, load_schemas

__all__ = [
    "AlignmentStatus",
    "Document",
    "DocumentError",
    "Extraction",
    "ExtractionFailure",
    "Grounding",
    "SchemaError",
    "SchemaSpec",
    "extract",
    "get_schema",
    "load_document",
    "load_schemas",
    "open_store",
    "prelabel",
]
__version__ = "0.1.0"
