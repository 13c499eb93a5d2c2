"""A password-protected workbook written the way Excel writes one, for the catalogue of bad
inputs: ECMA-376 agile encryption (AES-256, SHA-512, 100,000 spins) of an XLSX, stored in
an OLE compound file (CFB) holding the streams Excel writes (EncryptionInfo,
EncryptedPackage and the \\x06DataSpaces storage).

msoffcrypto-tool is not installed, so this is written from the specifications:
[MS-OFFCRYPTO] 2.3.4.10-2.3.4.15 (agile encryption, the encryption key, the data integrity
HMAC, the EncryptedPackage stream), 2.1.5-2.1.8 (the \\x06DataSpaces streams) and
[MS-CFB] (the compound file: 512-byte sectors, a mini stream for streams under 4,096
bytes). Every random byte comes from a seeded generator, so the file is the same on every
run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SPIN_COUNT = 100_000
_KEY_BYTES = 32  # AES-256
_BLOCK = 16
_SEGMENT = 4096
# Block keys of [MS-OFFCRYPTO] 2.3.4.11-2.3.4.14.
_VERIFIER_INPUT = bytes.fromhex("fea7d2763b4b9e79")
_VERIFIER_VALUE = bytes.fromhex("d7aa0f6d3061344e")
_KEY_VALUE = bytes.fromhex("146e0be7abacd0d6")
_HMAC_KEY = bytes.fromhex("5fb2ad010cb9e1f6")
_HMAC_VALUE = bytes.fromhex("a0677f02b22c8433")

_FREE, _END, _FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_SECTOR, _MINI_SECTOR, _MINI_CUTOFF = 512, 64, 4096


def _sha512(*parts: bytes) -> bytes:
    return hashlib.sha512(b"".join(parts)).digest()


def _aes_cbc(key: bytes, iv: bytes, data: bytes) -> bytes:
    padded = data + b"\0" * (-len(data) % _BLOCK)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def password_hash(password: str, salt: bytes, spin_count: int = SPIN_COUNT) -> bytes:
    """H(n): SHA-512 of the salt and the UTF-16 password, re-hashed spin_count times."""
    digest = _sha512(salt, password.encode("utf-16-le"))
    for iterator in range(spin_count):
        digest = _sha512(struct.pack("<I", iterator), digest)
    return digest


def password_key(hashed: bytes, block_key: bytes) -> bytes:
    """The key for one purpose (a block key): SHA-512(H(n) + block key), cut to 256 bits."""
    return _sha512(hashed, block_key)[:_KEY_BYTES]


def _encrypted_package(plain: bytes, secret_key: bytes, key_salt: bytes) -> bytes:
    """StreamSize (8 bytes) and the package in 4,096-byte segments, each with its own IV."""
    segments = [
        _aes_cbc(
            secret_key,
            _sha512(key_salt, struct.pack("<I", index))[:_BLOCK],
            plain[start : start + _SEGMENT],
        )
        for index, start in enumerate(range(0, len(plain), _SEGMENT))
    ]
    return struct.pack("<Q", len(plain)) + b"".join(segments)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encryption_info(
    key_salt: bytes, password_salt: bytes, hmac_key: bytes, hmac_value: bytes, keys: bytes
) -> bytes:
    """Version 4.4 (agile), reserved 0x40, then the XML descriptor Excel writes."""
    verifier_input, verifier_value, key_value = keys[:16], keys[16:80], keys[80:]
    cipher = (
        'saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512"'
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        '<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption" '
        'xmlns:p="http://schemas.microsoft.com/office/2006/keyEncryptor/password" '
        'xmlns:c="http://schemas.microsoft.com/office/2006/keyEncryptor/certificate">'
        f'<keyData {cipher} saltValue="{_b64(key_salt)}"/>'
        f'<dataIntegrity encryptedHmacKey="{_b64(hmac_key)}" '
        f'encryptedHmacValue="{_b64(hmac_value)}"/>'
        '<keyEncryptors><keyEncryptor uri="http://schemas.microsoft.com/office/2006/'
        f'keyEncryptor/password"><p:encryptedKey spinCount="{SPIN_COUNT}" {cipher} '
        f'saltValue="{_b64(password_salt)}" '
        f'encryptedVerifierHashInput="{_b64(verifier_input)}" '
        f'encryptedVerifierHashValue="{_b64(verifier_value)}" '
        f'encryptedKeyValue="{_b64(key_value)}"/></keyEncryptor></keyEncryptors></encryption>'
    )
    return struct.pack("<HHI", 4, 4, 0x40) + xml.encode("utf-8")


def encrypt_workbook(plain: bytes, password: str, seed: int = 16) -> dict[str, bytes]:
    """The EncryptionInfo and EncryptedPackage streams for ``plain`` under ``password``."""
    rng = random.Random(seed)
    secret_key, key_salt, password_salt = (
        rng.randbytes(_KEY_BYTES),
        rng.randbytes(16),
        rng.randbytes(16),
    )
    verifier = rng.randbytes(16)
    hashed = password_hash(password, password_salt)
    keys = (
        _aes_cbc(password_key(hashed, _VERIFIER_INPUT), password_salt, verifier)
        + _aes_cbc(password_key(hashed, _VERIFIER_VALUE), password_salt, _sha512(verifier))
        + _aes_cbc(password_key(hashed, _KEY_VALUE), password_salt, secret_key)
    )
    package = _encrypted_package(plain, secret_key, key_salt)
    hmac_salt = rng.randbytes(64)
    hmac_key = _aes_cbc(secret_key, _sha512(key_salt, _HMAC_KEY)[:_BLOCK], hmac_salt)
    digest = hmac.new(hmac_salt, package, hashlib.sha512).digest()
    hmac_value = _aes_cbc(secret_key, _sha512(key_salt, _HMAC_VALUE)[:_BLOCK], digest)
    info = _encryption_info(key_salt, password_salt, hmac_key, hmac_value, keys)
    return {"EncryptionInfo": info, "EncryptedPackage": package}


# --- the \x06DataSpaces storage ([MS-OFFCRYPTO] 2.1.5-2.1.8) ------------------------------


def _lp(text: str) -> bytes:
    """A UNICODE-LP-P4 string: byte length, UTF-16 text, padded to four bytes."""
    encoded = text.encode("utf-16-le")
    return struct.pack("<I", len(encoded)) + encoded + b"\0" * (-len(encoded) % 4)


_VERSION_1_0 = struct.pack("<HH", 1, 0)


def _data_spaces() -> dict[str, bytes]:
    entry = struct.pack("<II", 1, 0) + _lp("EncryptedPackage") + _lp("StrongEncryptionDataSpace")
    transform_id = _lp("{FF9A3F03-56EF-4613-BDD5-5A41C1D07246}")
    header = struct.pack("<I", 1) + transform_id
    primary = (
        struct.pack("<I", 4 + len(header))
        + header
        + _lp("Microsoft.Container.EncryptionTransform")
        + _VERSION_1_0 * 3
        + struct.pack("<IIII", 0, 0, 0, 4)  # EncryptionTransformInfo: no name, reserved 4
    )
    folder = "\x06DataSpaces/"
    return {
        folder + "Version": _lp("Microsoft.Container.DataSpaces") + _VERSION_1_0 * 3,
        folder + "DataSpaceMap": struct.pack("<III", 8, 1, 4 + len(entry)) + entry,
        folder + "DataSpaceInfo/StrongEncryptionDataSpace": struct.pack("<II", 8, 1)
        + _lp("StrongEncryptionTransform"),
        folder + "TransformInfo/StrongEncryptionTransform/\x06Primary": primary,
    }


# --- the compound file ([MS-CFB], version 3) --------------------------------------------------


@dataclass
class _Entry:
    name: str
    data: bytes | None = None  # None: a storage
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    start: int = _END
    left: int = _FREE
    right: int = _FREE
    child: int = _FREE
    red: bool = False


def _tree(paths: dict[str, bytes]) -> _Entry:
    root = _Entry("Root Entry")
    for path, data in paths.items():
        node = root
        *storages, name = path.split("/")
        for part in storages:
            found = next((c for c in node.children if c.name == part), None)
            if found is None:
                found = _Entry(part)
                node.children.append(found)
            node = found
        node.children.append(_Entry(name, data))
    return root


def _order(entry: _Entry) -> tuple[int, str]:
    """[MS-CFB] 2.6.4: shorter names first, then by upper-cased name."""
    return len(entry.name), entry.name.upper()


def _balanced(children: list[_Entry], depth: int, depths: dict[int, int]) -> int:
    """A balanced search tree of siblings; returns its root's SID, records each depth."""
    if not children:
        return _FREE
    middle = len(children) // 2
    node = children[middle]
    depths[node.sid] = depth
    node.left = _balanced(children[:middle], depth + 1, depths)
    node.right = _balanced(children[middle + 1 :], depth + 1, depths)
    return node.sid


def _link(entry: _Entry) -> None:
    """Each storage's children as a red-black tree: black, with the deepest level red when
    the tree is not perfect (every path then has as many black nodes)."""
    siblings = sorted(entry.children, key=_order)
    depths: dict[int, int] = {}
    entry.child = _balanced(siblings, 0, depths)
    deepest = max(depths.values(), default=0)
    perfect = len(siblings) == 2 ** (deepest + 1) - 1
    for sibling in siblings:
        sibling.red = not perfect and depths[sibling.sid] == deepest
        _link(sibling)


def _entries(entry: _Entry) -> list[_Entry]:
    return [entry, *(e for child in entry.children for e in _entries(child))]


def _chain(fat: list[int], start: int, count: int) -> None:
    for offset in range(count):
        fat[start + offset] = start + offset + 1 if offset < count - 1 else _END


def _directory_entry(entry: _Entry, size: int) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    kind = 5 if entry.name == "Root Entry" else (1 if entry.data is None else 2)
    return (
        name.ljust(64, b"\0")
        + struct.pack("<HBB", len(name), kind, 0 if entry.red else 1)
        + struct.pack("<III", entry.left, entry.right, entry.child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", entry.start if kind != 1 else 0, size)
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file holding ``streams`` (path with "/" between storages ->
    bytes); streams under 4,096 bytes live in the mini stream, as Excel stores them."""
    root = _tree(streams)
    entries = _entries(root)
    for sid, entry in enumerate(entries):
        entry.sid = sid
    _link(root)
    small = [e for e in entries if e.data is not None and len(e.data) < _MINI_CUTOFF]
    large = [e for e in entries if e.data is not None and len(e.data) >= _MINI_CUTOFF]

    def sectors(size: int, unit: int = _SECTOR) -> int:
        return -(-size // unit)

    mini_stream, mini_fat = b"", []
    for entry in small:
        assert entry.data is not None
        entry.start = len(mini_stream) // _MINI_SECTOR if entry.data else _END
        count = sectors(len(entry.data), _MINI_SECTOR)
        mini_fat.extend(entry.start + n + 1 if n < count - 1 else _END for n in range(count))
        mini_stream += entry.data.ljust(count * _MINI_SECTOR, b"\0")
    body: list[bytes] = []  # each large stream, the mini stream, the mini FAT, the directory
    for entry in large:
        assert entry.data is not None
        entry.start = len(body)
        body.extend(
            entry.data[n : n + _SECTOR].ljust(_SECTOR, b"\0")
            for n in range(0, len(entry.data), _SECTOR)
        )
    root.start = len(body) if mini_stream else _END
    body.extend(
        mini_stream[n : n + _SECTOR].ljust(_SECTOR, b"\0")
        for n in range(0, len(mini_stream), _SECTOR)
    )
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    mini_fat_bytes += struct.pack("<I", _FREE) * (-len(mini_fat) % (_SECTOR // 4))
    mini_fat_start = len(body) if mini_fat else _END
    body.extend(mini_fat_bytes[n : n + _SECTOR] for n in range(0, len(mini_fat_bytes), _SECTOR))
    directory = b"".join(
        _directory_entry(
            e, len(mini_stream) if e is root else (len(e.data) if e.data is not None else 0)
        )
        for e in entries
    )
    unused = b"\0" * 68 + struct.pack("<III", _FREE, _FREE, _FREE) + b"\0" * 48
    directory += unused * (-len(entries) % (_SECTOR // 128))
    directory_start = len(body)
    body.extend(directory[n : n + _SECTOR] for n in range(0, len(directory), _SECTOR))
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < len(body) + fat_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109, "a header holds 109 FAT sector numbers"
    fat = [_FREE] * (fat_sectors * (_SECTOR // 4))
    for entry in large:
        assert entry.data is not None
        _chain(fat, entry.start, sectors(len(entry.data)))
    if mini_stream:
        _chain(fat, root.start, sectors(len(mini_stream)))
    if mini_fat:
        _chain(fat, mini_fat_start, sectors(len(mini_fat_bytes)))
    _chain(fat, directory_start, sectors(len(directory)))
    for n in range(fat_sectors):
        fat[len(body) + n] = _FAT_SECTOR
    difat = [len(body) + n for n in range(fat_sectors)] + [_FREE] * (109 - fat_sectors)
    header = (
        bytes.fromhex("d0cf11e0a1b11ae1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIII", 0, fat_sectors, directory_start, 0)
        + struct.pack(
            "<IIIII",
            _MINI_CUTOFF,
            mini_fat_start,
            sectors(len(mini_fat_bytes)) if mini_fat else 0,
            _END,
            0,
        )
        + struct.pack("<109I", *difat)
    )
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + b"".join(body) + fat_bytes


def password_protected_xlsx(plain: bytes, password: str = "Northmoor2025") -> bytes:
    """``plain`` (an XLSX) encrypted as Excel's File > Info > Protect Workbook > Encrypt with
    Password saves it."""
    return compound_file({**_data_spaces(), **encrypt_workbook(plain, password)})
