package org.persite.cluster;

/**
 * A message that travels between cluster nodes. Pekko serializes every class implementing it as CBOR
 * (pekko-serialization-jackson; the binding is in reference.conf), so each is a record of plain fields, byte
 * arrays (protobuf messages as their bytes) and actor references.
 */
public interface ClusterMessage {
}
