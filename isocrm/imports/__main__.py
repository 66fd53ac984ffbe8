"""`python -m isocrm.imports FOLDER TOKEN ACTION FD`: one check or import of an uploaded
file, started by isocrm.imports.jobs.start() in a process of its own. FD is the descriptor of
the job's lock file, locked by the parent and inherited: it stays locked until this ends."""

import os
import sys
from pathlib import Path

from isocrm.imports.jobs import run

folder, token, action, descriptor = sys.argv[1:5]
run(Path(folder), token, action)
os.close(int(descriptor))  # the lock is released: the job has ended
