# threat: calls sys.exit(0) while being imported
# error: import_error
import sys

sys.exit(0)
