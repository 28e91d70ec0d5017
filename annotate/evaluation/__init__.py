"""Evaluation of pre-labels against gold: field and span scores, correction effort, agreement,
confidence quality, and the self-contained HTML report (``annotate eval``).

``metrics`` holds the pure measures, ``run`` reads the store and computes an :class:`Evaluation`,
``report`` renders it (and a live prompt run's scores) as HTML.
"""
