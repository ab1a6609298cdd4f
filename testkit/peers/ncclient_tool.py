#!/usr/bin/python3
"""Independent NETCONF checker for the interop tests, built on ncclient.

Our own NETCONF client must not be the only witness of what reached the device, so tests ask
this separate implementation. Run it with Debian's /usr/bin/python3 (it has python3-ncclient).

Usage:  ncclient_tool.py '<json>'     or     ncclient_tool.py -   (JSON on stdin)

JSON fields:
  host (default 127.0.0.1), port, username, key_filename and/or password, timeout (s, default 30)
  op: one of
    "get-config"     source ("running"|"candidate", default running), filter (subtree XML, optional)
                     -> prints the <data> element
    "get"            filter (subtree XML, optional) -> prints the <data> element
    "edit-config"    config (XML; wrapped in <config> when it is not one), target (default
                     candidate), default_operation (optional), commit (default true when the
                     target is candidate) -> prints "ok"
    "lock-and-hold"  target (default candidate), seconds -> prints "locked", holds the lock for
                     that long or until a line (or EOF) arrives on stdin, then unlocks and
                     prints "unlocked"

Exit status: 0 ok, 1 the device answered rpc-error, 2 bad arguments, 3 could not connect/log in.
Host-key checking is off on purpose: the tests pin host keys in our own client, not here.
"""

import json
import select
import sys
import warnings

# paramiko's deprecation chatter on stderr would drown the error a test wants to read.
warnings.filterwarnings("ignore")

from lxml import etree  # noqa: E402
from ncclient import manager  # noqa: E402
from ncclient.operations import RPCError  # noqa: E402

BASE_NS = "urn:ietf:params:xml:ns:netconf:base:1.0"


def fail(code, message):
    print(message, file=sys.stderr, flush=True)
    sys.exit(code)


def load_args():
    if len(sys.argv) != 2:
        fail(2, "usage: ncclient_tool.py '<json>' | -")
    raw = sys.stdin.read() if sys.argv[1] == "-" else sys.argv[1]
    try:
        args = json.loads(raw)
    except ValueError as exc:
        fail(2, "bad JSON argument: %s" % exc)
    if not isinstance(args, dict):
        fail(2, "the JSON argument must be an object")
    for key in ("port", "username", "op"):
        if key not in args:
            fail(2, "missing field: %s" % key)
    return args


def connect(args):
    params = dict(
        host=args.get("host", "127.0.0.1"),
        port=int(args["port"]),
        username=args["username"],
        hostkey_verify=False,
        allow_agent=False,
        look_for_keys=False,
        timeout=float(args.get("timeout", 30)),
    )
    if args.get("key_filename"):
        params["key_filename"] = args["key_filename"]
    if args.get("password"):
        params["password"] = args["password"]
    try:
        return manager.connect(**params)
    except Exception as exc:  # ncclient raises several unrelated types here
        fail(3, "connect failed: %s: %s" % (type(exc).__name__, exc))


def as_config(xml):
    """Returns XML whose root is a NETCONF <config>, wrapping the payload when needed."""
    try:
        root = etree.fromstring(xml.encode())
        if etree.QName(root).localname == "config":
            return xml
    except etree.XMLSyntaxError:
        pass  # several top-level elements: they become the children of <config>
    return '<config xmlns="%s">%s</config>' % (BASE_NS, xml)


def subtree(args):
    f = args.get("filter")
    return ("subtree", f) if f else None


def main():
    args = load_args()
    op = args["op"]
    if op not in ("get-config", "get", "edit-config", "lock-and-hold"):
        fail(2, "unknown op: %s" % op)
    m = connect(args)
    try:
        if op == "get-config":
            reply = m.get_config(source=args.get("source", "running"), filter=subtree(args))
            print(reply.data_xml, flush=True)
        elif op == "get":
            reply = m.get(filter=subtree(args))
            print(reply.data_xml, flush=True)
        elif op == "edit-config":
            if "config" not in args:
                fail(2, "edit-config needs config")
            target = args.get("target", "candidate")
            kwargs = dict(target=target, config=as_config(args["config"]))
            if args.get("default_operation"):
                kwargs["default_operation"] = args["default_operation"]
            try:
                m.edit_config(**kwargs)
                if target == "candidate" and args.get("commit", True):
                    m.commit()
            except RPCError:
                if target == "candidate":
                    m.discard_changes()
                raise
            print("ok", flush=True)
        elif op == "lock-and-hold":
            target = args.get("target", "candidate")
            m.lock(target=target)
            print("locked", flush=True)
            # The test releases the lock when it is done with it, so a slow machine cannot let
            # the hold run out while the other session is still on its way.
            select.select([sys.stdin], [], [], float(args.get("seconds", 5)))
            m.unlock(target=target)
            print("unlocked", flush=True)
    except RPCError as exc:
        fail(1, "rpc-error: tag=%s message=%s" % (exc.tag, exc.message or str(exc)))
    finally:
        try:
            m.close_session()
        except Exception:
            pass  # the session may already be gone; the answer was printed


if __name__ == "__main__":
    main()
