#!/bin/sh
# kafka-topics.sh as in the apache/kafka image (same path), for health checks and debugging.
exec java -Xmx128m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile=/opt/kafka/tools-log4j2.properties \
  -cp '/opt/kafka/libs/*' org.apache.kafka.tools.TopicCommand "$@"
