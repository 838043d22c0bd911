"""Command line of the fleet package: `keys`, `provision`, `release` and `broker` (parse, call, format)."""

import json
from pathlib import Path

import click

from .. import keys as hostkeys
from ..errors import UsageError
from ..boards.board import ROLES
from ..device.ports import baud_option, port_option
from ..paths import default_db
from .provision import personalities
from .release import files_from_dir, make_bundle, verify_bundle


def _read_psk(path: str | None) -> str:
    if path is None:
        return ""
    try:
        psk = Path(path).read_text().rstrip("\r\n")
    except OSError as exc:
        raise UsageError(f"cannot read the Wi-Fi key file {path}: {exc.strerror}", "give a readable file") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"the Wi-Fi key file {path} is not text", "write the passphrase as text") from exc
    if not 8 <= len(psk) <= 63:
        raise UsageError(f"the Wi-Fi key in {path} has {len(psk)} characters",
                         "WPA2 passphrases have 8 to 63 characters")
    return psk


def _personality(_ctx, _param, value):
    if value is not None and value not in personalities():
        raise click.BadParameter(f"no personality {value!r} in the firmware; use one of "
                                 + ", ".join(personalities()))
    return value


def _market_id(_ctx, _param, value):
    from ..protocol.fields import MARKET_RE

    if value is not None and value != "*" and not MARKET_RE.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a market id: 1 to 32 of A-Z a-z 0-9 . _ -")
    return value


def _market_ids(ctx, param, values):
    return tuple(_market_id(ctx, param, v) for v in values)


@click.command("provision")
@click.option("--port", "ports", multiple=True, metavar="PORT",
              help="serial port of a board or a virtual board's name; repeat for a batch "
                   "(default: $MICROMARKET_PORT, else the one board found)")
@click.option("--board", required=True, help="board definition of every device in the batch")
@click.option("--role", required=True, type=click.Choice(ROLES), help="role in the market")
@click.option("--personality", required=True, callback=_personality,
              help="bidding personality: " + ", ".join(personalities()))
@click.option("--market", required=True, callback=_market_id, help="market id, e.g. elm-street")
@click.option("--site", default="", help="site or address label stored in the credential")
@click.option("--wifi-ssid", default="", help="Wi-Fi network (virtual boards need none)")
@click.option("--wifi-psk-file", default=None, help="file holding the Wi-Fi passphrase")
@click.option("--keys", "keys_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="host key directory (default: $MICROMARKET_HOME/keys)")
@click.option("--passphrase-file", default=None, help="passphrase of the registrar key")
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="market database holding the registry (default: $MICROMARKET_HOME/market.db)")
@click.option("--force", is_flag=True, help="re-provision devices that are provisioned already (new key)")
@click.option("--label-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="save a QR label (PNG and SVG) per device here")
@click.option("--broker", default=None,
              help="MQTT broker URL the agent connects to (mqtt[s]://HOST:PORT, 'serial' for the bridge, "
                   "'mdns' to find the market's broker on the network at boot)")
@click.option("--keepalive", type=int, default=None, help="MQTT keep-alive of the agent, s")
@click.option("--clock-speed", type=float, default=None,
              help="simulated time runs this much faster (virtual boards; same as the market's --speed)")
@click.option("--clock-anchor", type=int, default=None,
              help="Unix time where simulated time equals wall time (same as the market's --anchor)")
@click.option("--reset", is_flag=True, help="reset each device afterwards, so that it starts trading")
@click.option("--json", "as_json", is_flag=True)
def provision_cmd(ports, board, role, personality, market, site, wifi_ssid, wifi_psk_file, keys_dir, passphrase_file,
        registry, force, label_dir, broker, keepalive, clock_speed, clock_anchor, reset, as_json):
    """Give devices their key and a registrar-signed enrollment, in parallel.

    With --broker (and --clock-speed/--clock-anchor for virtual boards) the device also gets
    config/agent.json: it trades after its next reset. Devices provisioned earlier keep their
    key and take the new agent settings.
    """
    from ..boards.board import get_board
    from .provision import STEPS, Plan, agent_settings, check_registry, load_authority, provision_many

    if wifi_psk_file and not wifi_ssid:
        raise UsageError("--wifi-psk-file given without --wifi-ssid", "name the network with --wifi-ssid")
    spec = get_board(board)
    if wifi_ssid and wifi_psk_file is None and not spec.virtual:
        raise UsageError("--wifi-ssid given without --wifi-psk-file", "put the passphrase in a file, owner-only")
    plan = Plan(market=market, board=spec.name, role=role, personality=personality, wifi_ssid=wifi_ssid,
                wifi_psk=_read_psk(wifi_psk_file), site=site, force=force, label_dir=label_dir,
                agent=agent_settings(broker, keepalive, clock_speed, clock_anchor), reset=reset)
    auth = load_authority(keys_dir or hostkeys.default_dir(), hostkeys.read_passphrase(passphrase_file),
                          registry or default_db())
    check_registry(auth.registry)
    ports = _batch_ports(ports)

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.fields[port]}"), BarColumn(), TextColumn("{task.description}"),
                  console=console, transient=True, disable=as_json) as bar:
        tasks = {p: bar.add_task("waiting", total=len(STEPS), port=p) for p in ports}

        def progress(port, done, total, what):
            bar.update(tasks[port], completed=done, description=what)

        outcomes = provision_many(list(ports), plan, auth, progress)
    if as_json:
        click.echo(json.dumps({"market": market, "devices": [o.as_dict() for o in outcomes]}))
    else:
        _summary(outcomes)
    failed = [o for o in outcomes if o.status in ("failed", "refused")]
    if failed:
        first = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        raise _BatchError(f"{first.port}: {first.error}{more}")


def _batch_ports(given) -> list[str]:
    """The ports of a batch; a port that cannot be used fails for that device alone (in the
    table, with its reason), so the rest of the batch still goes ahead."""
    from ..device.ports import check_port, resolve
    from ..errors import MicromarketError

    if not given:
        return [resolve(None)]
    if len(given) == 1:  # one device: its port's problem is the command's
        return [check_port(given[0])]
    out = []
    for p in given:
        try:
            out.append(check_port(p))
        except MicromarketError:
            out.append(p)
    return out


class _BatchError(UsageError):
    """Some devices of the batch were not provisioned (the message carries the first one's reason)."""


def _summary(outcomes) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for col in ("port", "status", "party", "note"):
        table.add_column(col)
    for o in outcomes:
        note = o.error or (", ".join(o.labels) if o.labels else "")
        if o.status == "done":
            note = "provisioned earlier; skipped"
        if o.crypto and o.crypto != "viper":  # ed25519's fallback: native code did not fit
            note = (note + "; " if note else "") + f"crypto core {o.crypto} (slow)"
        table.add_row(o.port, o.status, o.party or "-", note)
    Console().print(table)
    ok = sum(o.status in ("provisioned", "done") for o in outcomes)
    click.echo(f"{ok} of {len(outcomes)} devices provisioned")


@click.command("status")
@click.option("--port", default=None, metavar="PORT",
              help="serial port of the device or a virtual board's name (default: $MICROMARKET_PORT, "
                   "else the one board found)")
@click.option("--baud", type=click.IntRange(300, 4_000_000), default=115200, show_default=True,
              help="serial line speed, bit/s")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="market database to look the party up in (default: $MICROMARKET_HOME/market.db)")
@click.option("--json", "as_json", is_flag=True)
def status_cmd(port, baud, db_path, as_json):
    """The device's own view: party, market, app version, last interval, balance, queue, heap;
    and its balance and reputation in the market's registry.

    The agent pauses while the board is read and trades again afterwards.

    \b
    micromarket status --port plug1
    micromarket status --port /dev/ttyUSB0 --json
    """
    from ..device.ports import resolve
    from .status import from_board, lines, market_view

    if db_path is not None:  # a --db given must be a market database, before the board is touched
        from ..market.store import open_db

        open_db(db_path, readonly=True).close()
    view = from_board(resolve(port), baud)
    view["registry"] = market_view(db_path or default_db(), view["party"])
    if as_json:
        click.echo(json.dumps(view))
    else:
        for line in lines(view):
            click.echo(line)


@click.group("release")
def release_cmd():
    """Sign app bundles with the release key, verify them, and install them (USB or MQTT)."""


_keys_opt = click.option("--keys", "keys_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                         help="host key directory (default: $MICROMARKET_HOME/keys)")


@release_cmd.command("sign")
@click.option("--version", "version", required=True, help="the app's version, e.g. 1.4.0")
@click.option("--board", "board_name", default=None, help="bundle the app as built for this board")
@click.option("--dir", "directory", default=None, type=click.Path(path_type=Path),
              help="bundle the files of this directory instead")
@click.option("--for-board", default=None,
              help="with --dir: the board the files are for (default '*': any board)")
@click.option("--downgrade", is_flag=True, help="devices may install it over a newer version")
@click.option("--market", default="*", callback=_market_id, help="market the bundle is for ('*': any)")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="bundle file to write")
@_keys_opt
@click.option("--passphrase-file", default=None, help="passphrase of the release key")
@click.option("--json", "as_json", is_flag=True)
def sign_cmd(version, board_name, directory, for_board, downgrade, market, out, keys_dir, passphrase_file,
             as_json):
    """Sign a bundle of the app (for a board) or of a directory.

    Devices install only a newer version than they run; --downgrade signs the operator's
    consent to go back. Example: micromarket release sign --version 1.4.0 --board virtual-plug --out app.mmb
    """
    if (board_name is None) == (directory is None):
        raise UsageError("give exactly one of --board and --dir", "--board B bundles the app built for B")
    key = hostkeys.load_private(keys_dir or hostkeys.default_dir(), "release",
                                hostkeys.read_passphrase(passphrase_file))
    if board_name:
        from ..boards.board import get_board
        from ..device.deploy import build_app

        if for_board not in (None, board_name):
            raise UsageError("--for-board differs from --board", "--board B makes the bundle for B")
        spec = get_board(board_name)
        files, for_board = build_app(spec), spec.name
    else:
        files = files_from_dir(directory)
    data = make_bundle(files, version, key, market, for_board or "*", downgrade)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    if as_json:
        click.echo(json.dumps({"bundle": str(out), "version": version, "files": len(files), "size": len(data)}))
    else:
        click.echo(f"signed {out}: version {version}, {len(files)} files, {len(data)} bytes")


@release_cmd.command("verify")
@click.argument("bundle", type=click.Path(path_type=Path))
@_keys_opt
@click.option("--public-key", default=None, help="release public key in hex (default: from --keys)")
@click.option("--json", "as_json", is_flag=True)
def verify_cmd(bundle, keys_dir, public_key, as_json):
    """Check a bundle's signature and every file's hash."""
    pub = public_key or hostkeys.public_hex(keys_dir or hostkeys.default_dir(), "release")
    try:
        pub_bytes = bytes.fromhex(pub)
    except ValueError:
        raise UsageError("--public-key is not hex", "give the 64 hex digits of `micromarket keys show`") from None
    manifest, files = verify_bundle(_read_bundle(bundle), pub_bytes)
    if as_json:
        click.echo(json.dumps({"ok": True, "version": manifest.version, "market": manifest.market,
                               "board": manifest.board, "downgrade": manifest.downgrade,
                               "files": [[p, s, d.hex()] for p, s, d in manifest.files]}))
    else:
        click.echo(f"{bundle}: signature good, version {manifest.version} for board {manifest.board}"
                   f"{' (a downgrade)' if manifest.downgrade else ''}, {len(files)} files verified")


def _read_bundle(bundle: Path) -> bytes:
    try:
        return bundle.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {bundle}: {exc.strerror}", "give the path of a bundle file") from exc


@release_cmd.command("publish")
@click.argument("bundle", type=click.Path(path_type=Path))
@click.option("--broker", required=True, help="MQTT broker of the market, mqtt://HOST:PORT or mqtts://HOST:PORT")
@click.option("--market", default=None, callback=_market_id,
              help="market whose devices get it (default: the bundle's)")
@click.option("--board", "board_name", default=None, help="board of the devices (default: the bundle's)")
@click.option("--chunk", type=click.IntRange(256, 2048), default=1024, show_default=True, help="bytes per chunk")
@click.option("--ca-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="CA certificate of an mqtts:// broker")
@click.option("--username", default=None, help="broker username (default with --password-file: mm-release-MARKET)")
@click.option("--password-file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="file holding the broker password (broker config writes credentials/mm-release-MARKET)")
@_keys_opt
@click.option("--passphrase-file", default=None, help="passphrase of the release key")
@click.option("--json", "as_json", is_flag=True)
def publish_cmd(bundle, broker, market, board_name, chunk, ca_file, username, password_file, keys_dir,
                passphrase_file, as_json):
    """Offer a signed bundle to the devices of a market over MQTT.

    The bundle goes to the broker in retained chunks, then a release-signed offer for its board
    and version; each device fetches it when it sees the offer, checks it and installs it.
    Example: micromarket release publish app.mmb --broker mqtt://127.0.0.1:1883 --market street
    """
    from ..protocol.broker import parse as parse_broker
    from .release import broker_messages, make_offer, publish

    link = parse_broker(broker, ca_file, username, password_file)  # a typo fails before any work
    if board_name is not None:
        from ..boards.board import get_board

        get_board(board_name)  # an unknown board is named before the broker is reached
    data = _read_bundle(bundle)
    key = hostkeys.load_private(keys_dir or hostkeys.default_dir(), "release",
                                hostkeys.read_passphrase(passphrase_file))
    if market is None:
        manifest, _ = verify_bundle(data, hostkeys.raw_public(key))
        if manifest.market == "*":
            raise UsageError("the bundle is for any market", "name the market with --market")
        market = manifest.market
    offer, manifest = make_offer(data, key, market, board_name, chunk)
    if password_file and not username:
        link = parse_broker(broker, ca_file, f"mm-release-{market}", password_file)
    messages = broker_messages(data, offer, market)
    publish(link, messages)
    board = messages[-1][0].rsplit("/", 1)[1]
    if as_json:
        click.echo(json.dumps({"market": market, "board": board, "version": manifest.version,
                               "size": len(data), "chunks": len(messages) - 1, "topic": messages[-1][0]}))
    else:
        click.echo(f"offered {bundle.name} (version {manifest.version}) to the {board} devices of {market}: "
                   f"{len(data)} bytes in {len(messages) - 1} chunks")


@release_cmd.command("install")
@click.argument("bundle", type=click.Path(path_type=Path))
@port_option()
@baud_option()
@_keys_opt
@click.option("--public-key", default=None, help="release public key in hex (default: from --keys)")
@click.option("--json", "as_json", is_flag=True)
def install_cmd(bundle, port, baud, keys_dir, public_key, as_json):
    """Install a signed bundle on a board over USB; the board checks it as it would an offer.

    Example: micromarket release install app.mmb --port /dev/ttyUSB0
    """
    from ..device.ports import resolve
    from ..device.target import connect
    from .release import install_over_usb

    pub = public_key or hostkeys.public_hex(keys_dir or hostkeys.default_dir(), "release")
    try:
        pub_bytes = bytes.fromhex(pub)
    except ValueError:
        raise UsageError("--public-key is not hex", "give the 64 hex digits of `micromarket keys show`") from None
    data = _read_bundle(bundle)
    verify_bundle(data, pub_bytes)  # a wrong or damaged bundle is refused before the board is touched
    port = resolve(port)
    with connect(port, baud=baud) as target:
        version = install_over_usb(target, data, pub_bytes)
        target.soft_reset()  # boots the new app, which confirms itself once it has traded
    if as_json:
        click.echo(json.dumps({"port": port, "version": version, "installed": True}))
    else:
        click.echo(f"installed version {version} on {port}; the board restarts into it")


@click.group("keys")
def keys_cmd():
    """Create and show the host keys (registrar, market, release)."""


_dir_opt = click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help="key directory (default: $MICROMARKET_HOME/keys)")


@keys_cmd.command("init")
@_dir_opt
@click.option("--passphrase-file", default=None, help="encrypt the private keys with this passphrase")
@click.option("--force", is_flag=True, help="replace existing keys (devices enrolled before must be re-enrolled)")
@click.option("--json", "as_json", is_flag=True)
def init_cmd(directory, passphrase_file, force, as_json):
    """Create registrar, market and release keys that do not exist yet."""
    from . import ca

    directory = directory or hostkeys.default_dir()
    pubs = hostkeys.init(directory, passphrase=hostkeys.read_passphrase(passphrase_file), force=force)
    ca.init(directory, force=force)
    _show(directory, pubs, as_json)


@keys_cmd.command("show")
@_dir_opt
@click.option("--json", "as_json", is_flag=True)
def show_cmd(directory, as_json):
    """Print the public keys."""
    directory = directory or hostkeys.default_dir()
    _show(directory, {role: hostkeys.public_hex(directory, role) for role in hostkeys.ROLES}, as_json)


def _show(directory, pubs, as_json):
    from . import ca

    tls = ca.fingerprint(ca.load_cert(directory)) if (Path(directory) / ca.CA_CERT).exists() else None
    if as_json:
        click.echo(json.dumps({"dir": str(directory), "public_keys": pubs, "ca_sha256": tls}))
    else:
        click.echo(f"keys in {directory}")
        for role, pub in pubs.items():
            click.echo(f"  {role:<10} {pub}")
        if tls:
            click.echo(f"  {'CA':<10} {tls} (SHA-256 of {ca.CA_CERT})")


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536 or not host:
        raise UsageError(f"--listen {value!r} is not HOST:PORT", "e.g. --listen 0.0.0.0:8883")
    return host.strip("[]"), int(port)


@click.group("broker")
def broker_cmd():
    """Write the Mosquitto configuration of the neighbourhood (TLS, passwords, ACLs)."""


@broker_cmd.command("config")
@_keys_opt
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="market database holding the registry (default: $MICROMARKET_HOME/market.db)")
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="directory for mosquitto.conf and its files")
@click.option("--market", "markets", multiple=True, callback=_market_ids,
              help="market served (default: every market in the registry)")
@click.option("--host", "hosts", multiple=True,
              help="name or address devices reach the broker at (repeat; default: localhost, 127.0.0.1)")
@click.option("--listen", default="0.0.0.0:8883", show_default=True, help="address and port of the TLS listener")
@click.option("--revoke", multiple=True, help="leave this party out from now on (repeat)")
@click.option("--readmit", multiple=True, help="let a revoked party in again (repeat)")
@click.option("--user", default=None, help="account Mosquitto runs as (default: this one)")
@click.option("--reload", "reload_pid", type=int, default=None, help="then SIGHUP the running mosquitto with this pid")
@click.option("--json", "as_json", is_flag=True)
def broker_config_cmd(keys_dir, registry, out, markets, hosts, listen, revoke, readmit, user, reload_pid, as_json):
    """Write mosquitto.conf, passwd, acl and the broker's certificate from the keys and the registry.

    Run it again after enrolling devices (or with --revoke); --reload PID (or `kill -HUP PID`)
    makes a running Mosquitto read passwd and acl again without a restart.
    """
    from .broker import reload, write_config

    cfg = write_config(keys_dir or hostkeys.default_dir(), registry or default_db(), out,
                       list(markets), list(hosts), _listen(listen), list(revoke), user, readmit=list(readmit))
    if reload_pid is not None:
        reload(reload_pid)
    if as_json:
        click.echo(json.dumps(cfg.as_dict()))
        return
    click.echo(f"wrote {cfg.conf}: {len(cfg.parties)} devices of {', '.join(cfg.markets)}"
               + (f", {len(cfg.left_out)} left out (revoked or expired)" if cfg.left_out else "")
               + ("; new server certificate" if cfg.issued_certificate else ""))
    click.echo(f"start it: mosquitto -c {cfg.conf}   (clients: {cfg.url}, CA {out / 'ca.pem'})")


@broker_cmd.command("credential")
@click.argument("username")
@_keys_opt
@click.option("-o", "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="file to write the password into (owner-only)")
def broker_credential_cmd(username, keys_dir, out):
    """Write USERNAME's broker password to a file: a device's (its party id) for `bridge
    --password-file`, or a child market's (its market id) for the child's --parent-password-file."""
    import os

    from . import ca

    if not username or any(c.isspace() or c in ":#" for c in username):
        raise UsageError(f"{username!r} cannot be a broker username", "give a party id or a market id")
    password = ca.password(ca.secret(keys_dir or hostkeys.default_dir()), username)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror}", "give a writable path") from exc
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    click.echo(f"wrote {username}'s broker password to {out}")
