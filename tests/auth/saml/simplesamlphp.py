"""A real external IdP for one end-to-end test: SimpleSAMLphp from Debian's package (``apt-get install simplesamlphp``)
served by PHP's built-in server on loopback, configured here (a config folder of its own) with GAR-like users."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

SSP_ROOT = Path("/usr/share/simplesamlphp")
SSP_CONFIG = Path("/etc/simplesamlphp/config.php")
PASSWORD = "ssp-test-password"

USERS = {
    "eleve": {"IDO": ["ssp-eleve-1"], "UAI": ["0750001U"], "PRO": ["National_elv"], "PRE": ["Zoé"],
              "NOM": ["Leroy"], "DIV": ["3A##Troisième A"], "GRO": ["3A-ESP##Espagnol"]},
    "prof": {"IDO": ["ssp-prof-1"], "UAI": ["0750001U"], "PRO": ["National_ens"], "PRE": ["Marc"],
             "NOM": ["Blanc"], "DIV": ["3A", "4B"], "P_MEL": ["marc.blanc@ac-test.fr"]},
}


def available() -> bool:
    return shutil.which("php") is not None and (SSP_ROOT / "www" / "saml2" / "idp" / "SSOService.php").exists()


def _php_array(value: object) -> str:
    if isinstance(value, dict):
        return "[" + ", ".join(f"{_php_array(k)} => {_php_array(v)}" for k, v in value.items()) + "]"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_php_array(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SimpleSamlPhp:
    def __init__(self, folder: Path, sp_entity_id: str, acs_url: str, sp_cert_pem: str,
                 idp_key_pair: tuple[str, str]):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config, metadata = folder / "config", folder / "config" / "metadata"
        metadata.mkdir(parents=True)
        for sub in ("tmp", "log", "sessions"):
            (folder / sub).mkdir()
        (folder / "idp.key").write_text(idp_key_pair[0])
        (folder / "idp.crt").write_text(idp_key_pair[1])
        overrides = {
            "baseurlpath": self.base + "/", "certdir": str(folder) + "/", "loggingdir": str(folder / "log") + "/",
            "tempdir": str(folder / "tmp"), "metadatadir": str(metadata) + "/", "secretsalt": "test-salt-0123456789",
            "auth.adminpassword": "ssp-admin-test", "enable.saml20-idp": True, "timezone": "Europe/Paris",
            "logging.handler": "file", "session.phpsession.savepath": str(folder / "sessions"),
            "session.cookie.secure": False, "module.enable": {"exampleauth": True, "core": True, "saml": True,
                                                               "admin": True},
        }
        lines = ["<?php", f"require {_php_array(str(SSP_CONFIG))};"]
        lines += [f"$config[{_php_array(k)}] = {_php_array(v)};" for k, v in overrides.items()]
        (config / "config.php").write_text("\n".join(lines) + "\n")
        users = {f"{name}:{PASSWORD}": attributes for name, attributes in USERS.items()}
        (config / "authsources.php").write_text(
            "<?php\n$config = " + _php_array({"admin": ["core:AdminPassword"],
                                                "gar-users": ["exampleauth:UserPass"]}) + ";\n"
            + "".join(f"$config['gar-users'][{_php_array(k)}] = {_php_array(v)};\n" for k, v in users.items()))
        (metadata / "saml20-idp-hosted.php").write_text("<?php\n$metadata['__DYNAMIC:1__'] = " + _php_array({
            "host": "__DEFAULT__", "privatekey": "idp.key", "certificate": "idp.crt", "auth": "gar-users",
            "attributes.NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "saml20.sign.assertion": True, "saml20.sign.response": True,
        }) + ";\n")
        cert_b64 = "".join(line for line in sp_cert_pem.splitlines() if "-----" not in line)
        (metadata / "saml20-sp-remote.php").write_text("<?php\n$metadata[" + _php_array(sp_entity_id) + "] = "
                                                      + _php_array({
            "AssertionConsumerService": acs_url, "certData": cert_b64, "validate.authnrequest": True,
            "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        }) + ";\n")
        env = {**os.environ, "SIMPLESAMLPHP_CONFIG_DIR": str(config)}
        self.log = (folder / "php.log").open("w")
        self.process = subprocess.Popen(["php", "-S", f"127.0.0.1:{self.port}", "-t", str(SSP_ROOT / "www")],
                                        env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                requests.get(self.base + "/saml2/idp/metadata.php", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("SimpleSAMLphp did not start")

    @property
    def metadata_url(self) -> str:
        return self.base + "/saml2/idp/metadata.php"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)
        self.log.close()
