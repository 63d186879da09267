"""Real peers for the probe tests: DCMTK's servers, an hl7apy MLLP server, a local HTTPS server
with a certificate made here, PostgreSQL and MariaDB. Every server binds 127.0.0.1 on a free port
and is stopped (its whole process group) when the test ends."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PEERS = Path(__file__).parent / "peers"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen | None = None, timeout: float = 15.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise RuntimeError(f"peer exited with {proc.returncode}: {out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port} after {timeout}s")


@contextmanager
def peer_process(args: list[str], *, cwd: Path, port: int | None = None) -> Iterator[subprocess.Popen]:
    """A server in its own process group, killed with its forked children at the end."""
    proc = subprocess.Popen(
        args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        if port is not None:
            wait_listening(port, proc)
        yield proc
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing (apt-get install dcmtk)")
        pytest.skip(f"{name} is missing (apt-get install dcmtk)")
    return path


@pytest.fixture
def silent_peer() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


# -- DICOM -----------------------------------------------------------------------------------


@pytest.fixture
def storescp(tmp_path) -> Iterator[int]:
    """DCMTK's storescp: answers C-ECHO for any called AE title."""
    port = free_port()
    with peer_process([need_tool("storescp"), str(port)], cwd=tmp_path, port=port):
        yield port


QR_CONFIG = """\
NetworkTCPPort  = {port}
MaxPDUSize      = 16384
MaxAssociations = 16

HostTable BEGIN
HostTable END

VendorTable BEGIN
VendorTable END

AETable BEGIN
{aet}   {db}   RW (10, 1024mb)   ANY
AETable END
"""


@pytest.fixture
def dcmqrscp(tmp_path) -> Iterator[tuple[int, str]]:
    """DCMTK's dcmqrscp whose AETable lists only PACS01: another called AE title is rejected."""
    port = free_port()
    db = tmp_path / "db"
    db.mkdir()
    config = tmp_path / "dcmqrscp.cfg"
    config.write_text(QR_CONFIG.format(port=port, aet="PACS01", db=db))
    with peer_process([need_tool("dcmqrscp"), "-c", str(config)], cwd=tmp_path, port=port):
        yield port, "PACS01"


def write_worklist_item(path: Path, day: str) -> None:
    """One scheduled CT step on ``day`` (YYYYMMDD) for a patient with a Chinese name."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.31"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "张^三"
    ds.PatientID = "P0001"
    ds.PatientBirthDate = "19800101"
    ds.PatientSex = "M"
    ds.AccessionNumber = "A0001"
    ds.StudyInstanceUID = generate_uid()
    ds.RequestedProcedureID = "RP0001"
    ds.RequestedProcedureDescription = "胸部CT"
    step = Dataset()
    step.Modality = "CT"
    step.ScheduledStationAETitle = "CT01"
    step.ScheduledProcedureStepStartDate = day
    step.ScheduledProcedureStepStartTime = "100000"
    step.ScheduledProcedureStepDescription = "胸部CT平扫"
    step.ScheduledProcedureStepID = "SPS0001"
    step.ScheduledPerformingPhysicianName = ""
    ds.ScheduledProcedureStepSequence = [step]
    ds.save_as(path, enforce_file_format=True)


@pytest.fixture
def worklist_server(tmp_path):
    """Start DCMTK's wlmscpfs on a worklist folder: ``start(items_on=[YYYYMMDD…]) -> (port, aet)``."""
    need_tool("wlmscpfs")
    with_stack: list = []

    def start(items_on: list[str]) -> tuple[int, str]:
        root = tmp_path / "worklists"
        folder = root / "WLSCP"
        folder.mkdir(parents=True)
        (folder / "lockfile").touch()
        for n, day in enumerate(items_on):
            write_worklist_item(folder / f"item{n}.wl", day)
        port = free_port()
        cm = peer_process(["wlmscpfs", "-dfp", str(root), str(port)], cwd=tmp_path, port=port)
        cm.__enter__()
        with_stack.append(cm)
        return port, "WLSCP"

    yield start
    for cm in with_stack:
        cm.__exit__(None, None, None)


# -- HL7 ---------------------------------------------------------------------------------------


@pytest.fixture
def hl7_peer(tmp_path):
    """Start the hl7apy MLLP receiver in its own process: ``start(mode) -> port``."""
    managers: list = []

    def start(mode: str) -> int:
        cm = peer_process([sys.executable, str(PEERS / "hl7_peer.py"), mode], cwd=tmp_path)
        proc = cm.__enter__()
        managers.append(cm)
        line = proc.stdout.readline().strip()
        if not line.isdigit():
            raise RuntimeError(f"the HL7 peer did not start: {line}{proc.stdout.read()}")
        port = int(line)
        wait_listening(port, proc)
        return port

    yield start
    for cm in managers:
        cm.__exit__(None, None, None)


# -- HTTP(S) -----------------------------------------------------------------------------------

WSDL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" name="HisService"
  targetNamespace="urn:his" xmlns:tns="urn:his">
  <portType name="HisPort">
    <operation name="Ping"/>
    <operation name="GetPatient"/>
  </portType>
</definitions>
"""

SOAP_OK = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Body><PingResponse xmlns="urn:his"><result>pong</result></PingResponse></soap:Body>
</soap:Envelope>"""

SOAP_FAULT = """<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
<soap:Body><soap:Fault><faultcode>soap:Server</faultcode>
<faultstring>数据库连接失败</faultstring></soap:Fault></soap:Body>
</soap:Envelope>"""


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/":
            self._send(200, "<html><body>HIS 运行正常 status=UP</body></html>")
        elif self.path == "/down":
            self._send(503, "<html>维护中</html>")
        elif self.path == "/slow":
            time.sleep(0.3)
            self._send(200, "slow but fine")
        elif self.path == "/his?wsdl":
            self._send(200, WSDL, "text/xml; charset=utf-8")
        else:
            self._send(404, "not found")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        if "Ping" in body and self.headers.get("SOAPAction") == '"urn:his#Ping"':
            self._send(200, SOAP_OK, "text/xml; charset=utf-8")
        else:
            self._send(500, SOAP_FAULT, "text/xml; charset=utf-8")


def make_certificate(directory: Path, *, days: float, name: str = "cert") -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost valid until now + ``days``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "probe-test.local")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def web_server(tmp_path):
    """Start a local HTTP or HTTPS server in a thread: ``start(cert_days=None|N) -> (port, ca_file)``."""
    import ssl

    servers: list[ThreadingHTTPServer] = []

    def start(cert_days: float | None = None) -> tuple[int, str]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        ca_file = ""
        if cert_days is not None:
            cert, key = make_certificate(tmp_path, days=cert_days, name=f"cert{len(servers)}")
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
            ca_file = str(cert)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1], ca_file

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# -- databases -------------------------------------------------------------------------------

PG_DSN = os.environ.get("WEIBAO_PROBES_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
MARIADB_DSN = os.environ.get("WEIBAO_PROBES_MYSQL_DSN", "mysql://root:@127.0.0.1:3306/test")


def _mariadb_up() -> bool:
    import pymysql

    try:
        pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", database="test", connect_timeout=2
        ).close()
        return True
    except pymysql.err.MySQLError:
        return False


@pytest.fixture(scope="session")
def mariadb() -> str:
    """MariaDB at 127.0.0.1:3306, started when it is down; skipped only outside CI."""
    if not _mariadb_up() and shutil.which("start-stop-daemon") and Path("/usr/sbin/mariadbd").exists():
        subprocess.run(
            ["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd"],
            check=False,
            capture_output=True,
        )
        for _ in range(40):
            if _mariadb_up():
                break
            time.sleep(0.5)
    if not _mariadb_up():
        if os.environ.get("CI"):
            pytest.fail("MariaDB is not reachable at 127.0.0.1:3306 (root, empty password, database test)")
        pytest.skip("MariaDB is not reachable at 127.0.0.1:3306")
    return MARIADB_DSN


# --- alerts and the hospital's monitoring ------------------------------------------------------------


@pytest.fixture
def covered(hospital):
    """A PACS system of ``hospital`` covered by a contract in force (seed pacs-huizhou, 2026),
    with a module."""
    from datetime import date
    from decimal import Decimal

    from weibao.contracts.models import MaintainedSystem, Module
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template
    from weibao.testing.factories import VendorFactory

    def make(code: str = "pacs-huizhou", system_code: str = "pacs-mon"):
        contract = contract_create_from_template(
            actor=None,
            template=get_template(code),
            hospital=hospital,
            vendor=VendorFactory(),
            start=date(2026, 1, 1),
            amount=Decimal("100000"),
            code=f"M-{code}",
        )
        system = MaintainedSystem.objects.create(
            hospital=hospital, contract=contract, code=system_code, name="PACS 影像归档", kind="PACS"
        )
        Module.objects.create(system=system, name="影像存储")
        return system

    return make
