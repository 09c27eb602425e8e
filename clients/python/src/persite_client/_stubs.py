"""persite's API for Python, built at import from persite.desc: the compiled form (a FileDescriptorProto) of
proto/persite/v1/persite.proto, written by persite's build and checked against it by PythonClientTest.

Message classes come from that descriptor through protobuf's own message factory, as protoc-generated modules make
them, so they work with any protobuf 3.20+ runtime (no protoc, no generated code that goes stale, and proto3
`optional` fields, which old protoc releases such as Debian's grpcio-tools 1.14 refuse, are fine). The service stub
is four methods of a grpc channel.
"""
import os
import types

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_DESC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "persite.desc")
SERVICE = "persite.v1.PerSite"


def _message_class(descriptor):
    if hasattr(message_factory, "GetMessageClass"):  # protobuf 4.22+
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(descriptor.file.pool).GetPrototype(descriptor)


def load():
    """(pb, PerSiteStub): pb holds the message classes and enum values as a generated persite_pb2 module would."""
    with open(_DESC, "rb") as f:
        proto = descriptor_pb2.FileDescriptorProto.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    fd = pool.FindFileByName(proto.name)
    pb = types.SimpleNamespace()
    for name, d in fd.message_types_by_name.items():
        setattr(pb, name, _message_class(d))
    for name, e in fd.enum_types_by_name.items():
        for v in e.values:
            setattr(pb, v.name, v.number)
        setattr(pb, name, e)

    class PerSiteStub:
        """persite.v1.PerSite on a grpc channel."""

        def __init__(self, channel):
            self.Predict = channel.unary_unary("/" + SERVICE + "/Predict", request_serializer=pb.PredictRequest.SerializeToString,
                                               response_deserializer=pb.PredictResponse.FromString)
            self.PredictStream = channel.stream_stream("/" + SERVICE + "/PredictStream", request_serializer=pb.PredictRequest.SerializeToString,
                                                       response_deserializer=pb.PredictResponse.FromString)
            self.ListModels = channel.unary_unary("/" + SERVICE + "/ListModels", request_serializer=pb.ListModelsRequest.SerializeToString,
                                                  response_deserializer=pb.ListModelsResponse.FromString)
            self.GetModel = channel.unary_unary("/" + SERVICE + "/GetModel", request_serializer=pb.GetModelRequest.SerializeToString,
                                                response_deserializer=pb.ModelInfo.FromString)

    return pb, PerSiteStub
