"""Placeholder; replaced by the plugin implementation."""
