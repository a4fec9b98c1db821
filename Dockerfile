# Yaddaş image: one image, one process per container; the command picks the stage.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# OCR language data Debian provides (English and Azerbaijani come with the npm packages), read
# offline; /srv/data is where each container gathers it (and, on the intake host, stages items).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tesseract-ocr-rus tesseract-ocr-aze-cyrl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /srv/data && chown node:node /srv/data
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY bench ./bench
COPY bin ./bin
COPY schemas ./schemas
COPY config ./config
# npm ci runs the build (prepare); dev dependencies are needed for it, then dropped.
RUN npm ci --no-audit --no-fund --include=dev && npm prune --omit=dev
USER node
ENTRYPOINT ["node"]
CMD ["dist/workers/all.js"]
