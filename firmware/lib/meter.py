# Meters: the table from driver name to module, and the base every driver extends.
#
# A meter object has poll() (call it often: it services the chip and books energy) and, after
# it, the attributes power_w (signed: > 0 drawn from the grid side, < 0 fed in, e.g. by PV),
# voltage_mv, current_ma, and the energy counters import_wh, export_wh (monotonic, whole Wh;
# the remainders import_rem, export_rem in the driver's unit). ``energy`` is the meter itself,
# for callers that read m.energy.import_wh. restore(import_wh, export_wh) continues the counters
# after a reboot (the agent keeps them in the store). Drivers import lazily, so a board only
# pays heap for its own meter.

DRIVERS = {
    "bl0937": "meter_pulse",
    "hlw8012": "meter_pulse",
    "cse7766": "meter_cse7766",
    "ade7953": "meter_ade7953",
    "virtual": "meter_virtual",
}


class MeterError(ValueError):
    pass


def open_meter(cfg, hw, clock, relay=None):
    """The meter of a board config's ``meter`` table, on hardware ``hw`` (hw_esp or sim_hw)."""
    name = DRIVERS.get(cfg.get("driver"))
    if name is None:
        raise MeterError("unknown meter driver %r" % cfg.get("driver"))
    return __import__(name).open(cfg, hw, clock, relay)


class Meter:
    """What every driver offers; see the module comment. ``per_wh`` is how many of the driver's
    units make one Wh (3600 for joules, 3600000 for mJ, or a chip's counts per Wh), so no
    fraction of a pulse or count is ever lost."""

    def __init__(self, per_wh):
        self.energy = self
        self.per_wh = per_wh
        self.import_wh = self.export_wh = self.import_rem = self.export_rem = 0
        self.power_w = self.voltage_mv = self.current_ma = self.errors = 0

    def add(self, units):
        """Book ``units`` of energy (negative: exported)."""
        per = self.per_wh
        if units >= 0:
            rem = self.import_rem + units
            self.import_wh += rem // per
            self.import_rem = rem % per
        else:
            rem = self.export_rem - units
            self.export_wh += rem // per
            self.export_rem = rem % per

    def restore(self, import_wh, export_wh):
        self.import_wh = import_wh
        self.export_wh = export_wh

    def counters(self):
        return self.import_wh, self.export_wh


def muldiv(a, b, c):
    """a * b // c for a, b, c >= 0 without a product beyond a small int when a is large."""
    q, r = divmod(a, c)
    return q * b + r * b // c
