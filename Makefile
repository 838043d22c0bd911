# micromarket — one-command setup, demo, tests and benchmarks.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The MicroPython 1.29 stubs of each chip the firmware runs on, for the static check of its ESP32
# API (tests/firmware/test_esp32_api.py). Both packages hold the same module names (machine.pyi
# ...), so each goes into its own folder, never into the venv's site-packages.
STUBS_ESP32    := micropython-esp32-esp32-generic-stubs==1.29.0.post1
STUBS_ESP32_C3 := micropython-esp32-esp32-generic-c3-stubs==1.29.0.post1
STUBS_STDLIB   := micropython-stdlib-stubs==1.29.0.post2
STUBS  := $(VENV)/stubs/.installed

.PHONY: setup demo test bench flash provision clean system-deps

setup: $(STAMP) $(STUBS) system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

$(STUBS): Makefile $(STAMP)
	rm -rf $(VENV)/stubs
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
	  --target $(VENV)/stubs/esp32 $(STUBS_ESP32) $(STUBS_STDLIB)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
	  --target $(VENV)/stubs/esp32-c3 $(STUBS_ESP32_C3) $(STUBS_STDLIB)
	@touch $(STUBS)

# Mosquitto is the real broker of the tests; install it from Debian where it is missing.
system-deps:
	@test -x /usr/sbin/mosquitto || command -v mosquitto >/dev/null 2>&1 || { \
	  echo "installing mosquitto (Debian package)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null) \
	  || echo "warning: could not install mosquitto; broker tests will be skipped"; }

demo: setup
	$(BIN)/micromarket demo

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	@mkdir -p out
	$(BIN)/micromarket bench all --json > out/bench.json
	@cat out/bench.json

# make flash BOARD=shelly-plus-plug-s PORT=/dev/ttyUSB0 FIRMWARE=ESP32_GENERIC.bin
flash: setup
	$(BIN)/micromarket flash --board $(BOARD) --port $(PORT) --firmware $(FIRMWARE)

# make provision PORT=/dev/ttyUSB0 BOARD=shelly-plus-plug-s ROLE=load PERSONALITY=deferrable MARKET=m1 \
#                WIFI_SSID=HOME WIFI_PSK_FILE=psk.txt   (the Wi-Fi pair is for real boards)
provision: setup
	$(BIN)/micromarket provision --port $(PORT) --board $(BOARD) --role $(ROLE) \
	  --personality $(PERSONALITY) --market $(MARKET) \
	  $(if $(WIFI_SSID),--wifi-ssid $(WIFI_SSID) --wifi-psk-file $(WIFI_PSK_FILE))

clean:
	rm -rf $(VENV) out .state
