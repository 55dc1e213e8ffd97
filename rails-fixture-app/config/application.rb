# frozen_string_literal: true

require_relative "boot"

# Only the frameworks a cookie needs: no database, mailer, jobs or assets.
require "rails"
require "action_controller/railtie"
require "active_support/testing/time_helpers"

require "rcc/config"
require "rcc/rails_reads"

module RailsFixtureApp
  # Every setting comes from RCC_CONFIG so one app serves every configuration (lib/rcc/config.rb).
  RCC = Rcc::Config.from_env

  class Application < Rails::Application
    config.load_defaults RCC.defaults
    config.eager_load = false

    # Rails 6.1 production reads ENV["SECRET_KEY_BASE"], then credentials, then secrets, and
    # secrets falls back to config.secret_key_base (railties/lib/rails/application.rb#secret_key_base).
    # No config/credentials.yml.enc exists here, so this is the app's secret.
    config.secret_key_base = RCC.secret_key_base
    config.require_master_key = false

    # RCC_CREDENTIALS_DIR=<dir>: the secret comes from Rails' own encrypted credentials,
    # <dir>/config/credentials.yml.enc opened with <dir>/config/master.key (set secret_key_base
    # null in RCC_CONFIG). Used by bin/generate-credentials and to read the shared credentials apps.
    if (dir = ENV["RCC_CREDENTIALS_DIR"])
      config.credentials.content_path = File.join(dir, "config/credentials.yml.enc")
      config.credentials.key_path = File.join(dir, "config/master.key")
      config.require_master_key = true
    end

    config.action_dispatch.cookies_serializer = RCC.serializer.to_sym
    if RCC.session_store
      # Server-side sessions: config.session_store :cache_store over Rails.cache (Redis or Memcached).
      raise ArgumentError, "session_store.type must be cache_store" unless RCC.session_store["type"] == "cache_store"
      config.cache_store = RCC.cache_store
      config.session_store :cache_store, key: RCC.session_key, expire_after: RCC.expire_after
    else
      config.session_store :cookie_store, key: RCC.session_key, expire_after: RCC.expire_after
    end
    RCC.apply_extra(config)

    # Exceptions must reach bin/oracle (it reports them) instead of becoming a 500 page.
    config.action_dispatch.show_exceptions = ENV["RCC_SHOW_EXCEPTIONS"] == "1"
    config.consider_all_requests_local = true
    config.logger = ENV["RCC_LOG"] ? ActiveSupport::Logger.new($stderr) : ActiveSupport::Logger.new(nil)
    config.log_level = :debug
  end
end
