"""gRPC bodies (RT-50): the protobuf strings a gRPC server reads are scanned, compressed or not;
the payload is built with the real protobuf runtime and read back by it."""

from __future__ import annotations

import gzip

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import joined, request

URL = (
    "https://generativelanguage.googleapis.com/"
    "google.ai.generativelanguage.v1beta.GenerativeService/GenerateContent"
)
NINO = "JG103729A"


def _classes():
    """GenerateContentRequest { string model = 1; repeated Content contents = 2; }
    Content { repeated Part parts = 1; string role = 2; }  Part { string text = 2; }"""
    file = descriptor_pb2.FileDescriptorProto(name="t.proto", package="t")
    part = file.message_type.add(name="Part")
    part.field.add(name="text", number=2, type=9, label=1)
    content = file.message_type.add(name="Content")
    content.field.add(name="parts", number=1, type=11, label=3, type_name=".t.Part")
    content.field.add(name="role", number=2, type=9, label=1)
    req = file.message_type.add(name="Req")
    req.field.add(name="model", number=1, type=9, label=1)
    req.field.add(name="contents", number=2, type=11, label=3, type_name=".t.Content")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("t.Req"))


Req = _classes()


def grpc_body(*texts: str, compress: bool = False) -> bytes:
    msg = Req(model="models/gemini-2.0-flash")
    content = msg.contents.add(role="user")
    for text in texts:
        content.parts.add(text=text)
    data = msg.SerializeToString()
    assert [p.text for p in Req.FromString(data).contents[0].parts] == list(texts)
    if compress:
        data = gzip.compress(data)
    return bytes([int(compress)]) + len(data).to_bytes(4, "big") + data


@pytest.mark.parametrize("compress", [False, True])
def test_grpc_strings_are_scanned(compress: bool) -> None:
    body = grpc_body(f"My NI number is {NINO}", compress=compress)
    headers = {"grpc-encoding": "gzip"} if compress else {}
    extraction = extract(request(URL, body, "application/grpc", headers=headers))
    assert extraction.adapter == "grpc"
    assert f"My NI number is {NINO}" in joined(extraction)


def test_grpc_parts_are_parts_with_seams() -> None:
    extraction = extract(
        request(URL, grpc_body("My NI number is JG1037", "29A"), "application/grpc")
    )
    assert any("JG1037 29A" in seam.text for seam in extraction.seams)


def test_an_unknown_grpc_encoding_fails_closed() -> None:
    body = grpc_body("hello", compress=True)
    with pytest.raises(ExtractionError):
        extract(request(URL, body, "application/grpc", headers={"grpc-encoding": "snappy"}))


def test_a_body_that_does_not_frame_is_read_as_binary() -> None:
    body = grpc_body(f"My NI number is {NINO} ok")[:-2]
    assert NINO in joined(extract(request(URL, body, "application/grpc")))
