# Yaddaş image: one image, one process per container; the command picks the stage.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
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
