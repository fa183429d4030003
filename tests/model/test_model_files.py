"""Model files that zipfile or numpy cannot read as asked: one clear ModelError each, never another exception."""
import io
import os
import struct
import zipfile

import numpy as np
import pytest

from cybertype.model import linear as M

NAMES = ("vocab", "idf", "coef", "intercept", "meta")


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def _archive(path, compression=zipfile.ZIP_DEFLATED, members=None):
    members = members or {n: _npy(np.zeros(4, dtype=np.uint8 if n in ("vocab", "meta") else np.float32))
                          for n in NAMES}
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(f"{name}.npy", data)
    return path


def _patch_headers(path, offset_in_header: dict[bytes, int], value: bytes):
    """Overwrite a field in every local (PK\\3\\4) and central (PK\\1\\2) header of the archive."""
    data = bytearray(path.read_bytes())
    for sig, off in offset_in_header.items():
        pos = data.find(sig)
        while pos != -1:
            data[pos + off:pos + off + len(value)] = value
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))


def _refused(path, *words):
    with pytest.raises(M.ModelError) as info:
        M.load(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    for w in words:
        assert w in message, message


def test_an_encrypted_member_is_refused(tmp_path):
    p = _archive(tmp_path / "enc.npz")
    _patch_headers(p, {b"PK\x03\x04": 6, b"PK\x01\x02": 8}, struct.pack("<H", 0x1))  # general-purpose flag: encrypted
    with zipfile.ZipFile(p) as zf, pytest.raises(RuntimeError):
        zf.read("vocab.npy")  # what zipfile does with it
    _refused(p, "encrypted")


def test_an_unsupported_compression_method_is_refused(tmp_path):
    p = _archive(tmp_path / "aes.npz")
    _patch_headers(p, {b"PK\x03\x04": 8, b"PK\x01\x02": 10}, struct.pack("<H", 99))  # method 99 (AES)
    with zipfile.ZipFile(p) as zf, pytest.raises(NotImplementedError):
        zf.read("vocab.npy")
    _refused(p, "unsupported compression")


def test_bad_lzma_data_is_refused(tmp_path):
    big = {n: _npy(np.arange(5000, dtype=np.float32)) for n in NAMES}
    p = _archive(tmp_path / "lzma.npz", zipfile.ZIP_LZMA, big)
    data = bytearray(p.read_bytes())
    start = data.find(b"PK\x03\x04") + 30 + len("vocab.npy") + 20  # inside the first member's LZMA stream
    data[start:start + 200] = os.urandom(200)
    p.write_bytes(bytes(data))
    _refused(p, "not a readable cybertype model")


@pytest.mark.parametrize("shape", [(10 ** 12,), (1 << 40, 1 << 20), (0x7FFFFFFF, 0x7FFFFFFF, 8)])
def test_an_npy_header_with_a_huge_shape_is_refused_before_allocating(tmp_path, shape):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    members = {n: _npy(np.zeros(4, dtype=np.uint8)) for n in NAMES}
    members["coef"] = header.getvalue() + b"\x00" * 64
    p = _archive(tmp_path / "huge.npz", members=members)
    _refused(p, "coef.npy", "array header claims")


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/null"])
def test_a_device_is_not_called_missing(target):
    _refused(target, "not a regular file")
    with pytest.raises(M.ModelError) as info:
        M.load(target)
    assert "not found" not in str(info.value)


def test_a_fifo_and_a_folder_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "m.npz"
    os.mkfifo(fifo)
    _refused(fifo, "not a regular file")  # opening it for reading would block forever
    _refused(tmp_path, "not a regular file", "folder")
