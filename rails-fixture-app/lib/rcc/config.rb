# frozen_string_literal: true

require "json"
require "base64"

module Rcc
  # The one configuration this process serves, read from ENV["RCC_CONFIG"].
  #
  # RCC_CONFIG is a JSON object with the same fields as a line of
  # /work/shared/rails-vectors/vectors.jsonl (defaults, serializer, secret_key_base, session_key,
  # expire_after, extra) plus the optional `secret_token` (Rails 3 era, see README.md).
  # One Rails app can only be booted once per Ruby process, so one process = one configuration.
  class Config
    DEFAULTS = %w[5.0 5.1 5.2 6.0 6.1].freeze
    SERIALIZERS = %w[json marshal hybrid].freeze

    attr_reader :defaults, :serializer, :secret_key_base, :session_key, :expire_after, :extra, :secret_token, :session_store

    def self.from_env(env = ENV)
      raw = env["RCC_CONFIG"] or raise ArgumentError, "RCC_CONFIG is not set (a JSON object, see rails-fixture-app/README.md)"
      new(JSON.parse(raw))
    end

    def initialize(h)
      @defaults = h.fetch("defaults").to_s
      raise ArgumentError, "defaults must be one of #{DEFAULTS.join(", ")}, got #{@defaults.inspect}" unless DEFAULTS.include?(@defaults)
      @serializer = h.fetch("serializer").to_s
      raise ArgumentError, "serializer must be one of #{SERIALIZERS.join(", ")}, got #{@serializer.inspect}" unless SERIALIZERS.include?(@serializer)
      # nil only with RCC_CREDENTIALS_DIR (config/application.rb): then credentials supply it.
      @secret_key_base = h["secret_key_base"]
      @session_key = h.fetch("session_key", "_oracle_session")
      @expire_after = h["expire_after"]
      @extra = h.fetch("extra", {}) || {}
      @secret_token = h["secret_token"]
      # Optional server-side sessions: {"type": "cache_store", "cache": {"store": "redis_cache_store"
      # | "mem_cache_store", "url" | "servers", and the cache's own options (namespace, compress,
      # compress_threshold, expires_in)}}. Absent: the cookie store.
      @session_store = h["session_store"]
    end

    # `config.cache_store = …` for a server-side session store (README.md).
    def cache_store
      cache = session_store.fetch("cache")
      options = cache.reject { |k, _| %w[store url servers].include?(k) }.transform_keys(&:to_sym)
      case cache.fetch("store")
      when "redis_cache_store" then [:redis_cache_store, { url: cache.fetch("url"), **options }]
      when "mem_cache_store" then [:mem_cache_store, cache.fetch("servers"), options]
      else raise ArgumentError, "session_store.cache.store must be redis_cache_store or mem_cache_store"
      end
    end

    # Applies `extra` ("namespace.setting" => value) as `config.<namespace>.<setting> = value`.
    # JSON cannot carry Ruby constants or rotation objects, so two shapes are translated:
    # * a String value of a setting ending in `_class` naming a constant ("OpenSSL::Digest::SHA1")
    #   is constantized;
    # * "action_dispatch.cookies_rotations" = {"encrypted": [[arg, ...], ...], "signed": [...]}
    #   calls the real RotationConfiguration#rotate(kind, *args) for each entry (args go through
    #   `ruby_arg`: {"$binary": b64} → raw bytes, {"$key": {...}} → a KeyGenerator-derived key, a
    #   trailing object → keyword options).
    def apply_extra(config)
      extra.each do |key, value|
        namespace, setting = key.split(".", 2)
        raise ArgumentError, "extra key #{key.inspect} must be namespace.setting" unless setting
        target = config.public_send(namespace)
        if key == "action_dispatch.cookies_rotations"
          apply_rotations(target.cookies_rotations, value)
        else
          target.public_send("#{setting}=", ruby_setting(setting, value))
        end
      end
    end

    def as_json
      h = { "defaults" => defaults, "serializer" => serializer, "secret_key_base" => secret_key_base,
            "session_key" => session_key, "expire_after" => expire_after, "extra" => extra }
      h["secret_token"] = secret_token if secret_token
      h["session_store"] = session_store if session_store
      h
    end

    private
      def ruby_setting(setting, value)
        if setting.end_with?("_class") && value.is_a?(String) && value.match?(/\A[A-Z]\w*(::[A-Z]\w*)*\z/)
          Object.const_get(value)
        elsif setting == "cookies_serializer" && value.is_a?(String)
          value.to_sym
        else
          value
        end
      end

      def apply_rotations(rotations, spec)
        spec.each do |kind, entries|
          entries.each do |args|
            args = args.map { |a| ruby_arg(a) }
            options = args.last.is_a?(Hash) ? args.pop : {}
            rotations.rotate(kind.to_sym, *args, **options)
          end
        end
      end

      def ruby_arg(arg)
        case arg
        when Hash
          if arg.key?("$binary")
            Base64.strict_decode64(arg["$binary"])
          elsif arg.key?("$key")
            k = arg["$key"]
            require "active_support/key_generator"
            ActiveSupport::KeyGenerator.new(k.fetch("secret_key_base", secret_key_base), iterations: 1000)
                                       .generate_key(k.fetch("salt"), k.fetch("length", 64))
          else
            arg.transform_keys(&:to_sym)
          end
        else
          arg
        end
      end
  end
end
