"""`micromarket devices`: USB ids named from the table, pyserial's view of the machine, virtual boards."""

import json

from serial.tools.list_ports_common import ListPortInfo

from micromarket.device import ports as devices
from micromarket.cli import main


def _port(device, vid=None, pid=None, product=None):
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid, info.product = vid, pid, product
    return info


def test_known_bridges_are_named():
    d = devices.from_port_info(_port("/dev/ttyUSB0", 0x10C4, 0xEA60, "CP2102N USB to UART Bridge"))
    assert d.esp and d.kind == "usb" and d.description.startswith("Silicon Labs CP210x")
    assert d.as_dict()["usb"] == "10c4:ea60"
    assert devices.from_port_info(_port("/dev/ttyACM0", 0x303A, 0x1001)).esp
    assert devices.from_port_info(_port("/dev/ttyACM1", 0x303A, 0x8123)).description == "Espressif native USB"
    assert devices.from_port_info(_port("/dev/ttyUSB1", 0x1A86, 0x55D4)).description == "WCH CH9102"


def test_other_usb_serial_is_listed_but_not_marked():
    d = devices.from_port_info(_port("/dev/ttyACM2", 0x2341, 0x0043, "Arduino Uno"))
    assert not d.esp and d.description == "Arduino Uno"


def test_every_table_entry_is_an_esp_bridge():
    for (vid, pid), name in devices.USB_BRIDGES.items():
        assert devices.identify(vid, pid) == (name, True)


def test_devices_json_lists_the_real_machine(capsys):
    from serial.tools import list_ports

    assert main(["devices", "--all", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    ports = {p.device for p in list_ports.comports()}
    assert {d["port"] for d in listed if d["kind"] != "virtual"} == ports
