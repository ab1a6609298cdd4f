#!/usr/bin/python3
"""ncclient doing the raw floor's cycle (lock, edit-config, commit, unlock) over one session.

Run with Debian's /usr/bin/python3 (python3-ncclient). Argument: JSON with host, port, username,
key_filename, cycles. Prints one JSON line: {"cycles": n, "msPerCycle": median, "rpcs": 4 * n}.
"""

import json
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")

from ncclient import manager  # noqa: E402

IETF = "urn:ietf:params:xml:ns:yang:ietf-interfaces"
IANA = "urn:ietf:params:xml:ns:yang:iana-if-type"


def payload(port, text):
    return (
        '<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">'
        '<interfaces xmlns="%s"><interface><name>%s</name>'
        '<type xmlns:ianaift="%s">ianaift:ethernetCsmacd</type>'
        "<description>%s</description><enabled>true</enabled></interface></interfaces></config>"
        % (IETF, port, IANA, text)
    )


def main():
    args = json.loads(sys.argv[1])
    m = manager.connect(
        host=args["host"],
        port=int(args["port"]),
        username=args["username"],
        key_filename=args["key_filename"],
        hostkey_verify=False,
        allow_agent=False,
        look_for_keys=False,
        timeout=30,
    )
    times = []
    try:
        for i in range(int(args["cycles"])):
            t0 = time.perf_counter()
            m.lock(target="candidate")
            m.edit_config(target="candidate", config=payload(args["port_name"], "HC bench-nc %d" % i))
            m.commit()
            m.unlock(target="candidate")
            times.append((time.perf_counter() - t0) * 1000.0)
    finally:
        m.close_session()
    print(json.dumps({"cycles": len(times), "msPerCycle": statistics.median(times), "rpcs": 4 * len(times)}))


if __name__ == "__main__":
    main()
