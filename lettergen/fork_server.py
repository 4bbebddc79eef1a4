"""Imported only by multiprocessing's fork server (``set_forkserver_preload``): a process group of its own.

Ctrl-C and ``kill -TERM -PGID`` reach the run's whole process group. A fork server ended that
way leaves the pool blind: it reads its workers' exit codes from the server's pipe, so it takes
every worker for ended (255), signals none of them when the run stops, and tries to start new
ones through the dead server (a traceback from its thread). In a group of its own, the server is
reached by no signal meant for the run; it ends when its pipe from the main process closes.
"""

import os

os.setpgid(0, 0)
