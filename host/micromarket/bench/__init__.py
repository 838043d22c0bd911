"""Benchmarks (`micromarket bench ...`, JSON out): the crypto core against its big-int baseline
(``baselines/``, MicroPython scripts sent to the target), market throughput, the heap report of
the firmware, and the fleet benchmark (runner in ``sim``). The top layer: may import anything.
"""
