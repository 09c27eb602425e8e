#!/usr/bin/env python3
"""Calls persite's Open Inference Protocol (KServe v2) gRPC service with grpcio stubs generated, here and now, from
persite's copy of the interface (proto/kserve/v2/grpc_predict_v2.proto), as a Triton or KServe user's client would.

    python3 examples/python/oip_grpc_check.py 127.0.0.1:50051 data/examples/NaCl-cod-1000041.cif [model]

Prints one JSON object (live, ready, the model's versions, the per-site values and species) and exits 0; exits 1 with
the error when a call fails. Needs grpcio and grpcio-tools (Debian: python3-grpcio python3-grpc-tools).
"""
import json
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "..", "proto", "kserve", "v2")


def stubs():
    out = tempfile.mkdtemp(prefix="persite-oip-")
    rc = protoc.main(["protoc", "-I" + PROTO_DIR, "--python_out=" + out, "--grpc_python_out=" + out,
                      os.path.join(PROTO_DIR, "grpc_predict_v2.proto")])
    if rc != 0:
        sys.exit("protoc failed on grpc_predict_v2.proto")
    sys.path.insert(0, out)
    import grpc_predict_v2_pb2 as pb
    import grpc_predict_v2_pb2_grpc as pb_grpc
    return pb, pb_grpc


def main():
    target, path = sys.argv[1], sys.argv[2]
    model = sys.argv[3] if len(sys.argv) > 3 else "magmom"
    pb, pb_grpc = stubs()
    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        try:
            live = stub.ServerLive(pb.ServerLiveRequest()).live
            ready = stub.ServerReady(pb.ServerReadyRequest()).ready
            meta = stub.ModelMetadata(pb.ModelMetadataRequest(name=model))
            text = open(path, encoding="utf-8").read()
            fmt = "cif" if path.endswith(".cif") else "auto"
            request = pb.ModelInferRequest(model_name=model, id="python-check")
            tensor = request.inputs.add(name="structure", datatype="BYTES", shape=[1])
            tensor.parameters["format"].string_param = fmt
            tensor.contents.bytes_contents.append(text.encode("utf-8"))
            reply = stub.ModelInfer(request)
        except grpc.RpcError as e:
            print(json.dumps({"error": e.code().name + ": " + e.details()}))
            sys.exit(1)
    outputs = {o.name: o for o in reply.outputs}
    print(json.dumps({
        "live": live,
        "ready": ready,
        "versions": list(meta.versions),
        "model_version": reply.model_version,
        "id": reply.id,
        "units": reply.parameters["units"].string_param,
        "shape": list(outputs["values"].shape),
        "values": list(outputs["values"].contents.fp32_contents),
        "species": [s.decode("utf-8") for s in outputs["species"].contents.bytes_contents],
        "errors": [s.decode("utf-8") for s in outputs["structure_error"].contents.bytes_contents],
    }))


if __name__ == "__main__":
    main()
