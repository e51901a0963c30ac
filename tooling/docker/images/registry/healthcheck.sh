#!/bin/bash
# 200 from the Confluent-compatible API (no curl in the image: bash's /dev/tcp).
exec 3<>/dev/tcp/127.0.0.1/"${QUARKUS_HTTP_PORT:-8080}" || exit 1
printf 'GET /apis/ccompat/v7/subjects HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r -t 5 _ code _ <&3 && [[ "$code" == 200 ]]
