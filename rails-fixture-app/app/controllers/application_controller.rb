# frozen_string_literal: true

class ApplicationController < ActionController::Base
  private
    # The instruction bin/oracle put in the Rack env (lib/rcc/oracle.rb); controllers never trust
    # params for it so that a cookie's name or value never passes through query-string parsing.
    def rcc_op
      request.get_header("rcc.op") || {}
    end

    def rcc_config
      RailsFixtureApp::RCC
    end

    # Rails 3 signed cookies (cookie session and cookies.signed): HMAC-SHA1 keyed with the raw
    # secret_token, Marshal inside. Rails 6.0 removed LegacyKeyGenerator (which, in 4.2–5.2,
    # returned secret_token itself as the "derived" key), so this builds the same
    # ActiveSupport::MessageVerifier that Rails 3.2's signed jar and 4.x's
    # LegacyKeyGenerator path built (actionpack/lib/action_dispatch/middleware/cookies.rb @v3.2,
    # @v4.2.11.3). The serializer follows cookies_serializer as in 4.1+ (Rails 3 was always Marshal):
    # ActionDispatch::Cookies::MarshalWithJsonFallback / JsonSerializer are the 6.1 classes.
    def rails3_verifier
      serializer = rcc_config.serializer == "marshal" ? ActionDispatch::Cookies::MarshalWithJsonFallback : ActionDispatch::Cookies::JsonSerializer
      ActiveSupport::MessageVerifier.new(rcc_config.secret_token, digest: "SHA1", serializer: serializer)
    end

    def rails3?
      !rcc_config.secret_token.nil?
    end
end
