# threat: calls os._exit(0) while being imported
# error: crashed
import os

os._exit(0)
