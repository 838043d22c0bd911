# micromarket firmware entry point: boots the device and leaves the REPL usable.
import gc
import sys

import fwinfo

gc.collect()
print("micromarket %s on %s (%s), free heap %d" % (
    fwinfo.VERSION, fwinfo.board_name(), sys.platform, gc.mem_free()))
