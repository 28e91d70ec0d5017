"""Label Studio round trip: a local server, a labeling config generated from each schema,
records pushed as pre-annotations, and corrected annotations pulled back as gold.

``config`` and ``convert`` are pure (schema -> XML, record <-> Label Studio result); ``server``,
``client``, ``push`` and ``pull`` are the edges that talk to processes, HTTP and the store.
"""
