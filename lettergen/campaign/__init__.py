"""campaign stage of lettergen: the register of letters sent and answers, e-mail sending, follow-ups.

::

    with run_lock(path):
        register = open_register(path)
        ...

The register is a SQLite file; every change to it is one transaction, and one run at a time holds
its lock (an ``flock`` that dies with the process).
"""
