"""Reaching one device: the raw-REPL target over serial or a virtual board's pty, virtual boards
and their supervisor, port discovery, serial frames, deploy, flash and firmware images, the log
monitor, the serial-to-MQTT bridge and the on-board self-test. May import the foundation,
``boards`` and ``protocol``; never ``market``, ``fleet``, ``sim`` or ``bench``.
"""
