# The farmwatch image for docker-compose: the CLI runs from the TypeScript sources through tsx.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds the farmwatch/fingerprint library with tsc, a dev dependency the
# service itself does not need (it runs from sources through tsx).
RUN npm ci --omit=dev --ignore-scripts
COPY bin ./bin
COPY src ./src
COPY detectors ./detectors
COPY fixtures ./fixtures
COPY contracts ./contracts
COPY tsconfig.json ./
USER node
EXPOSE 9464
ENTRYPOINT ["node", "--max-semi-space-size=64", "bin/farmwatch.js"]
CMD ["worker"]
