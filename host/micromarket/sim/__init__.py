"""The virtual neighbourhood: a fleet of virtual boards plus host agents trading a simulated day
(``sim``), the ``demo``, the day's report, and the fleet benchmark's runner. Sits on top: may
import every package but ``bench``.
"""
