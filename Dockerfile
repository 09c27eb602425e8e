# persite in a container: the gRPC API (50051), the Open Inference Protocol over REST (8000) and Prometheus
# metrics (9464), serving the models in models/. Not built on the project's machines (they reach no container
# registry); kept to what can be trusted by reading it. Build and run:
#   docker build -t persite .
#   docker run --rm -p 50051:50051 -p 8000:8000 persite
#   curl -s localhost:8000/v2/health/ready
# Mount your own models with -v "$PWD/models:/opt/persite/models:ro".

# 1. Build the jar with the README's own build (tests are CI's job, not the image's).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY proto proto
COPY src src
COPY data data
RUN mvn -B -q -DskipTests package

# 2. Run it on a JRE.
FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/persite
COPY --from=build /src/target/persite.jar persite.jar
COPY --from=build /src/target/lib lib
COPY models models
COPY conf conf
# ONNX Runtime 1.29 starts a telemetry client unless this is set (persite also sets it itself, with a warning).
ENV ORT_DISABLE_TELEMETRY=1 \
    PERSITE_HOST=0.0.0.0 \
    PERSITE_METRICS_HOST=0.0.0.0 \
    PERSITE_MODELS_DIR=/opt/persite/models \
    DJL_CACHE_DIR=/opt/persite/.djl
EXPOSE 50051 8000 9464
# Readiness on the Open Inference Protocol's endpoint: 200 once the models are loaded, 503 from the start of a shutdown.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s CMD curl -fsS http://127.0.0.1:8000/v2/health/ready || exit 1
# SIGTERM (docker stop) drains the calls in flight for persite.server.shutdown-drain (30 s): give docker stop a longer -t.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-Dconfig.file=conf/application.conf", "-Dlogback.configurationFile=conf/logback.xml", "-Dai.djl.offline=true", \
            "-jar", "persite.jar"]
CMD ["serve"]
