"""Import heap of the agent stack (micromarket.bench.heap): a provisioned virtual battery boots
with only the modules it trades with (its own personality, virtual pins, no driver-test
simulator, no provisioning or boot-only code) and enough heap left to trade, and the table of
each import's heap is printed."""

from micromarket.bench import heap as heap_report


FLOOR = 21 * 1024  # bytes free after boot at 110K on the 64-bit port


def test_agent_boot_loads_only_what_it_trades_with():
    report = heap_report.measure()
    booted = heap_report.boot(heap="110K")
    print("\n" + heap_report.table(report))
    print(f"agent booted on {booted['board']} at 110K: {booted['boot']} B in use, "
          f"{booted['free']} B free")
    mods = set(booted["modules"])
    assert {"agent", "mqtt", "ed25519", "pers_battery", "vpin", "meter_virtual"} <= mods
    assert not mods & {"sim_hw", "identity", "hal_button", "hal_pixel", "pers_fixed",
                       "pers_deferrable", "pers_thermostatic", "pers_pv", "seriallink",
                       "update", "meter_pulse", "meter_cse7766", "meter_ade7953",
                       # boot-only code, the real board's clock and LEDs, the re-exporting
                       # codec names, asyncio's Event and wait_for (the MQTT link polls)
                       "appcfg", "hal_clock", "hal_led", "cbor", "cose", "asyncio.event",
                       "asyncio.funcs"}
    assert dict(report["rows"])["pers_battery"] > 0  # measured in the stack, not pre-imported
    # room to trade: the day test (test_agent_day.py) runs at this heap with about 20 KB free
    # (taking an update's offer and the signed status cost the agent 1.8 KB of the 64-bit heap,
    # keeping an unsigned measurement to sign on the next pass 256 B more). The floor is the
    # 64-bit port's; the 32-bit one, with the ESP32's object sizes, leaves about 44 KB.
    assert booted["free"] >= FLOOR


def test_both_word_sizes_side_by_side(micropython_i386):
    """The same stack on the i386 port (ESP32 object sizes): smaller everywhere, more room left
    at the board's heap, the same modules loaded; the table puts the two side by side."""
    report = heap_report.run(runtime=micropython_i386)
    small = report["i386"]
    print("\n" + heap_report.table(report) + "\n" + "\n".join(heap_report.boot_lines(report)))
    assert [m for m, _ in small["rows"]] == [m for m, _ in report["rows"]]
    assert 0 < small["total"] < report["total"]
    assert small["boot"]["modules"] == report["boot"]["modules"]
    assert small["boot"]["free"] > report["boot"]["free"] >= FLOOR
    head = heap_report.table(report).splitlines()[0].split()
    assert head == ["module", "64-bit", "32-bit"]
