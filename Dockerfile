# The example gateway as a container image.
#
#   docker build -t gatehouse .
#   docker run --rm -p 8080:8080 gatehouse
#
# Stage 1 builds the runnable jar with the Maven wrapper; stage 2 runs it on a JRE as a
# non-root user. See docs/deployment.md (what is tested, and what was not run).

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY gateway-core/ gateway-core/
COPY gateway-servlet/ gateway-servlet/
COPY gateway-proxy/ gateway-proxy/
COPY gateway-redis/ gateway-redis/
COPY examples/ examples/
COPY benchmarks/pom.xml benchmarks/
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -pl examples -am -DskipTests package \
    && cp examples/target/gateway-examples.jar /gateway-examples.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 gatehouse \
    && useradd --system --uid 10001 --gid gatehouse --create-home --home-dir /home/gatehouse \
       --shell /usr/sbin/nologin gatehouse
COPY --from=build /gateway-examples.jar /opt/gatehouse/gateway-examples.jar
WORKDIR /home/gatehouse
USER 10001:10001
EXPOSE 8080
# bash's /dev/tcp, so the image needs no curl; 200 from /health/live means the JVM answers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# Inside a container the gateway must listen on every interface to be reachable through a
# published port, so the image says so explicitly (the jar's own default may be loopback).
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/gatehouse/gateway-examples.jar"]
CMD ["--host", "0.0.0.0", "--port", "8080"]
