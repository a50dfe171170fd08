"""tls_ca - a throw-away certificate authority for TLS tests.

Plain functions over the openssl(1) command line (no Python crypto
packages, no pytest fixtures):

    ca = make_ca(tmpdir)                  # ca.pem, ca.key in tmpdir
    cert, key = ca.issue("mx.example.com",
                         sans=["mx.example.com", "*.example.net"],
                         ip_sans=["127.0.0.1"])
    ca.fingerprint(cert)                  # "AB:CD:..." sha256 of the DER cert
    pkey_fingerprint(cert, "sha256")      # digest of the DER SubjectPublicKeyInfo
    cert, key = make_self_signed(tmpdir, "self.example.com")
    make_ca(tmpdir, name="other")         # a second, unrelated CA: other.pem

Keys are EC P-256 by default (key_type="rsa" for RSA 2048). Key files
get mode key_mode (0o600 unless told). Certificates carry a
subjectAltName, basicConstraints CA:FALSE and extendedKeyUsage
serverAuth, clientAuth. chain_file() writes a key followed by its
certificate chain into one PEM file (for smtpd_tls_chain_files).
"""

import hashlib
import os
import subprocess

OPENSSL = "openssl"


def _run(args, input_bytes=None):
    proc = subprocess.run([OPENSSL] + list(args), input=input_bytes,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (
            " ".join(args), proc.stderr.decode(errors="replace")))
    return proc.stdout


def _genkey(path, key_type="ec", key_mode=0o600):
    if key_type == "rsa":
        _run(["genpkey", "-algorithm", "RSA", "-pkeyopt",
              "rsa_keygen_bits:2048", "-out", path])
    else:
        _run(["genpkey", "-algorithm", "EC", "-pkeyopt",
              "ec_paramgen_curve:P-256", "-out", path])
    os.chmod(path, key_mode)
    return path


def _colon_hex(raw):
    return ":".join("%02X" % b for b in raw)


def _digest(data, digest):
    h = hashlib.new(digest)
    h.update(data)
    return _colon_hex(h.digest())


def cert_der(cert_path):
    """The DER encoding of the (first) certificate in a PEM file."""
    return _run(["x509", "-in", cert_path, "-outform", "DER"])


def fingerprint(cert_path, digest="sha256"):
    """Uppercase colon hex digest of the DER certificate."""
    return _digest(cert_der(cert_path), digest)


def pkey_fingerprint(cert_path, digest="sha256"):
    """Uppercase colon hex digest of the certificate's DER
    SubjectPublicKeyInfo (Postfix's *_tls_fingerprint_cert_match with
    public-key fingerprints)."""
    pem = _run(["x509", "-in", cert_path, "-noout", "-pubkey"])
    der = _run(["pkey", "-pubin", "-outform", "DER"], input_bytes=pem)
    return _digest(der, digest)


def _ext_file(path, sans, ip_sans):
    lines = ["basicConstraints=critical,CA:FALSE",
             "keyUsage=critical,digitalSignature,keyEncipherment",
             "extendedKeyUsage=serverAuth,clientAuth",
             "subjectKeyIdentifier=hash",
             "authorityKeyIdentifier=keyid"]
    alt = ["DNS:%s" % n for n in sans] + ["IP:%s" % a for a in ip_sans]
    if alt:
        lines.append("subjectAltName=" + ",".join(alt))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


class CA:
    """A private CA living in a directory: self.pem, self.key."""

    def __init__(self, dirpath, name="ca", key_type="ec", days=3650):
        self.dir = str(dirpath)
        self.name = name
        self.pem = os.path.join(self.dir, name + ".pem")
        self.key = os.path.join(self.dir, name + ".key")
        self._serial = 1
        _genkey(self.key, key_type)
        _run(["req", "-new", "-x509", "-key", self.key, "-out", self.pem,
              "-days", str(days), "-sha256",
              "-subj", "/O=Postern Test/CN=%s Test CA" % name,
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign"])

    def issue(self, name, sans=None, ip_sans=None, key_mode=0o600,
              days=365, key_type="ec", basename=None):
        """Issue a certificate for CN=name with the given DNS and IP
        subjectAltNames (sans defaults to [name]; pass [] for none, then
        only the CN names the host). Returns (cert_path, key_path)."""
        if sans is None:
            sans = [name]
        ip_sans = list(ip_sans or [])
        base = basename or ("%s-%d" % (name.replace("*", "star")
                                       .replace("/", "_"), self._serial))
        key = os.path.join(self.dir, base + ".key")
        csr = os.path.join(self.dir, base + ".csr")
        cert = os.path.join(self.dir, base + ".pem")
        ext = _ext_file(os.path.join(self.dir, base + ".ext"), sans, ip_sans)
        _genkey(key, key_type, key_mode)
        _run(["req", "-new", "-key", key, "-out", csr,
              "-subj", "/O=Postern Test/CN=%s" % name])
        _run(["x509", "-req", "-in", csr, "-CA", self.pem,
              "-CAkey", self.key, "-set_serial", str(1000 + self._serial),
              "-days", str(days), "-sha256", "-extfile", ext,
              "-out", cert])
        self._serial += 1
        return cert, key

    def chain_file(self, cert_path, key_path, out_path=None, mode=0o600):
        """One PEM file holding the key, the certificate and the CA
        certificate (for smtpd_tls_chain_files)."""
        out_path = out_path or (cert_path[:-4] + "-chain.pem")
        with open(out_path, "wb") as out:
            for p in (key_path, cert_path, self.pem):
                with open(p, "rb") as f:
                    out.write(f.read())
        os.chmod(out_path, mode)
        return out_path

    def fingerprint(self, cert_path, digest="sha256"):
        return fingerprint(cert_path, digest)

    def pkey_fingerprint(self, cert_path, digest="sha256"):
        return pkey_fingerprint(cert_path, digest)


def make_ca(dirpath, name="ca", key_type="ec"):
    """Create a CA in dirpath: <name>.pem and <name>.key."""
    os.makedirs(str(dirpath), exist_ok=True)
    return CA(dirpath, name=name, key_type=key_type)


def make_self_signed(dirpath, name, sans=None, ip_sans=None,
                     key_mode=0o600, days=365, key_type="ec",
                     basename=None):
    """A self-signed end-entity certificate (not a CA). Returns
    (cert_path, key_path)."""
    dirpath = str(dirpath)
    os.makedirs(dirpath, exist_ok=True)
    if sans is None:
        sans = [name]
    base = basename or ("self-" + name.replace("*", "star"))
    key = os.path.join(dirpath, base + ".key")
    cert = os.path.join(dirpath, base + ".pem")
    _genkey(key, key_type, key_mode)
    args = ["req", "-new", "-x509", "-key", key, "-out", cert,
            "-days", str(days), "-sha256",
            "-subj", "/O=Postern Test/CN=%s" % name,
            "-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", "extendedKeyUsage=serverAuth,clientAuth"]
    alt = ["DNS:%s" % n for n in sans] + ["IP:%s" % a for a in (ip_sans or [])]
    if alt:
        args += ["-addext", "subjectAltName=" + ",".join(alt)]
    _run(args)
    return cert, key


if __name__ == "__main__":
    import sys
    import tempfile
    d = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
    ca = make_ca(d)
    c, k = ca.issue("mx.example.com", sans=["mx.example.com"],
                    ip_sans=["127.0.0.1"])
    print(ca.pem, c, k)
    print(ca.fingerprint(c), pkey_fingerprint(c))
    print(make_self_signed(d, "self.example.com"))
