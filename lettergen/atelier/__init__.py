"""The atelier: a local web workbench over the lettergen pipeline (``lettergen atelier``).

``app`` (Starlette routes), ``security`` (token, Host, CSRF, size limits), ``library`` (the one
adapter to the pipeline's API), ``workbench`` (a server's state), ``generation`` (the batch in a
thread, the ZIP), ``register_view`` and ``france_map`` (the « Campagne » tab), ``server``
(uvicorn, the printed address, Ctrl-C).
"""
