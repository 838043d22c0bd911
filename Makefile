# micromarket — one-command setup, demo, tests and benchmarks.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench flash provision clean system-deps

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

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
