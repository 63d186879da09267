"""An HL7 v2 MLLP receiver for the probe tests, built on hl7apy's MLLP server (not Weibao's code).

    python hl7_peer.py MODE     # MODE: AA, AE or WRONGID

Listens on 127.0.0.1 on a free port, prints the port on the first line of stdout, and answers
every ADT^A01 with an ACK: MSA-1 AA (or AE with a text), MSA-2 the message's control id (or
another one with WRONGID). It parses the incoming message with hl7apy, so a malformed test
message gets no answer.
"""

from __future__ import annotations

import sys
from datetime import datetime

from hl7apy.mllp import AbstractHandler, MLLPServer
from hl7apy.parser import parse_message

MODE = sys.argv[1] if len(sys.argv) > 1 else "AA"


class AckHandler(AbstractHandler):
    def reply(self) -> str:
        incoming = parse_message(self.incoming_message, find_groups=False)
        control_id = incoming.msh.msh_10.value
        processing_id = incoming.msh.msh_11.value
        code, text = "AA", ""
        if MODE == "AE":
            code, text = "AE", "PID-3 unknown patient identifier domain"
        if processing_id != "T":
            code, text = "AR", f"processing id {processing_id} refused by the test peer"
        echoed = "SOMEONE-ELSE" if MODE == "WRONGID" else control_id
        stamp = datetime.now().strftime("%Y%m%d%H%M%S")
        msh = f"MSH|^~\\&|PEER|PEERFAC|WEIBAO|WEIBAO|{stamp}||ACK^A01^ACK|ACK{control_id}|T|2.5"
        return "\x0b" + "\r".join([msh, f"MSA|{code}|{echoed}|{text}"]) + "\r\x1c\r"


def main() -> None:
    server = MLLPServer("127.0.0.1", 0, {"ADT^A01": (AckHandler,), "ADT^A01^ADT_A01": (AckHandler,)})
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
