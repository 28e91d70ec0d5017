"""Extraction: documents -> schema records with groundings (LLM client, rules pre-labeler, prompts)."""
