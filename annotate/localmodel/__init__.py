"""A real instruct model on this machine, with no API key: ``annotate llm up|down|status``.

The runtime (llama-cpp-python, compiled once into ``.llm-venv``), the weights (a pinned GGUF file
in the user's model cache) and the server process are three modules; the CLI is a thin shell.
"""
