// Realistic source files for init tests, shaped after the field notes in /work/shared/field-notes.

/** Field note 3: postgres, arb-bot, dashboard (uvicorn), token-refresher, nginx and certbot, one bridge network. */
export const TRADING_COMPOSE = `services:
  postgres:
    image: postgres:16-alpine
    restart: unless-stopped
    environment:
      POSTGRES_USER: trading
      POSTGRES_PASSWORD: hunter2-literal-pw
      POSTGRES_DB: trading
    volumes:
      - postgres_data:/var/lib/postgresql/data
      - ./db:/docker-entrypoint-initdb.d:ro
    networks: [trading-net]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U trading -d trading"]
      interval: 10s
      timeout: 5s
      retries: 5

  arb-bot:
    build: .
    command: python -m arb_bot
    restart: unless-stopped
    env_file: .env
    environment:
      DATABASE_URL: postgresql://trading:hunter2-literal-pw@postgres:5432/trading
      CLIQ_ENABLED: "true"
      TELEGRAM_ENABLED: "false"
    volumes:
      - .:/app
      - bot_logs:/app/logs
    depends_on:
      postgres:
        condition: service_healthy
    networks: [trading-net]

  dashboard:
    build: .
    command: uvicorn dashboard_server:app --host 0.0.0.0 --port 8080
    restart: unless-stopped
    env_file: .env
    environment:
      DATABASE_URL: postgresql://trading:hunter2-literal-pw@postgres:5432/trading
      DHAN_API_TOKEN: eyJhbGciOiJIUzI1NiJ9.literal-token
    depends_on:
      postgres:
        condition: service_healthy
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/api/health"]
      interval: 30s
      timeout: 5s
      retries: 3
      start_period: 1m30s
    networks: [trading-net]

  token-refresher:
    build: .
    command: python token_refresher.py --interval-sec 300
    restart: unless-stopped
    env_file: .env
    depends_on:
      - postgres
    networks: [trading-net]

  nginx:
    image: nginx:alpine
    restart: unless-stopped
    ports:
      - "80:80"
      - "443:443"
    volumes:
      - ./nginx/dashboard.conf:/etc/nginx/conf.d/default.conf:ro
      - certbot_certs:/etc/letsencrypt:ro
    depends_on:
      - dashboard
    networks: [trading-net]

  certbot:
    image: certbot/certbot
    volumes:
      - certbot_certs:/etc/letsencrypt
    profiles: ["tools"]

volumes:
  postgres_data:
  bot_logs:
  certbot_certs:

networks:
  trading-net:
    driver: bridge
`;

export const TRADING_DOCKERFILE = `FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "-m", "arb_bot"]
`;

/** Field note 5: db postgres:16, api + worker (+ migrate) sharing one built image with different commands, caddy. */
export const BACKEND_COMPOSE = `name: aspectavy
x-backend-env: &backend-env
  NODE_ENV: production
  DATABASE_URL: postgres://\${POSTGRES_USER:-aspectavy}:\${POSTGRES_PASSWORD}@db:5432/\${POSTGRES_DB:-aspectavy}
services:
  db:
    image: postgres:16
    restart: unless-stopped
    environment:
      POSTGRES_DB: \${POSTGRES_DB:-aspectavy}
      POSTGRES_USER: \${POSTGRES_USER:-aspectavy}
      POSTGRES_PASSWORD: \${POSTGRES_PASSWORD}
    volumes:
      - \${POSTGRES_VOLUME_NAME:-aspectavy_pg}:/var/lib/postgresql/data
    ports:
      - "127.0.0.1:5432:5432"
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U $\${POSTGRES_USER} -d $\${POSTGRES_DB}"]
      interval: 5s
      retries: 10

  api:
    build:
      context: ./apps/backend
      dockerfile: Dockerfile
    image: aspectavy-backend:latest
    command: ["node", "dist/server.js"]
    restart: unless-stopped
    env_file:
      - ./apps/backend/.env.local
    environment:
      <<: *backend-env
      PORT: 3001
      LOG_LEVEL: \${LOG_LEVEL:-info}
      SESSION_SECRET: dev-session-secret-change-me
    ports:
      - "127.0.0.1:\${API_PORT:-3001}:3001"
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:3001/livez"]
      interval: 15s
      timeout: 3s
      retries: 5
      start_period: 20s

  worker:
    image: aspectavy-backend:latest
    command: ["node", "dist/worker.js"]
    restart: unless-stopped
    env_file:
      - ./apps/backend/.env.local
    environment: *backend-env
    depends_on:
      db:
        condition: service_healthy
      api:
        condition: service_started
    healthcheck:
      test: ["CMD", "node", "dist/healthcheck-worker.js"]
      interval: 1m
      timeout: 10s
      retries: 3
    stop_grace_period: 1m30s

  migrate:
    image: aspectavy-backend:latest
    command: npm run migrate
    restart: "no"
    env_file:
      - ./apps/backend/.env.local
    environment: *backend-env
    depends_on:
      db:
        condition: service_healthy

  caddy:
    image: caddy:2
    restart: unless-stopped
    ports:
      - "80:80"
      - "443:443"
    environment:
      CADDY_HOST: \${CADDY_HOST}
    volumes:
      - ./Caddyfile:/etc/caddy/Caddyfile:ro
      - caddy_data:/data
    depends_on:
      - api

volumes:
  aspectavy_pg:
  caddy_data:
`;

export const BACKEND_DOCKERFILE = `FROM node:20-alpine AS build
WORKDIR /app
COPY package*.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:20-alpine
WORKDIR /app
COPY --from=build /app .
CMD ["node", "dist/server.js"]
`;

/** The project files of field note 3 (with the .env the loader reads `${...}` from). */
export const TRADING_FILES = { 'docker-compose.yml': TRADING_COMPOSE, Dockerfile: TRADING_DOCKERFILE, '.env': 'POSTGRES_PASSWORD=from-dotenv\nDHAN_API_TOKEN=from-dotenv\n' };

/** The project files of field note 5. */
export const BACKEND_FILES = {
  'compose.yml': BACKEND_COMPOSE,
  'apps/backend/Dockerfile': BACKEND_DOCKERFILE,
  'apps/backend/.env.local': 'APTABASE_APP_KEY=x\n',
  '.env': 'POSTGRES_PASSWORD=from-dotenv\nSESSION_SECRET=from-dotenv\nCADDY_HOST=example.com\n',
};
