# micromarket firmware entry point. It stays tiny: a board compiles main.py from source at every
# boot, and the compiler's garbage would fragment the heap the agent needs; the boot itself is the
# compiled lib/mmboot.
import mmboot  # noqa: F401
