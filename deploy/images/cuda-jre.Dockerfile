# The base of the trainer's and generator's CUDA images (mvn -Pimages -Pcuda): NVIDIA's CUDA 12 runtime with cuDNN 9,
# which onnxruntime_gpu 1.2x loads, plus Eclipse Temurin's JRE 25 - Jib adds no Java, and CUDA's images have none.
# Built once per CUDA or JRE update, with any image builder (README.md beside this file):
#   docker build -f deploy/images/cuda-jre.Dockerfile -t REGISTRY/sdtune/cuda-jre:12.8-cudnn9-jre25 deploy/images
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04
ARG JRE_IMAGE=eclipse-temurin:25-jre-jammy

FROM ${JRE_IMAGE} AS jre

# The same Ubuntu (22.04) as the JRE's image, so the JRE finds the libraries it was built against.
FROM ${CUDA_IMAGE}
ENV JAVA_HOME=/opt/java/openjdk \
    LANG=C.UTF-8
ENV PATH="${JAVA_HOME}/bin:${PATH}"
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
RUN java -version
LABEL org.opencontainers.image.title="sdtune-cuda-jre" \
      org.opencontainers.image.description="CUDA 12 runtime + cuDNN 9 + Temurin JRE 25: base of sdtune's CUDA service images"
