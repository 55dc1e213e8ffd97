# frozen_string_literal: true

# The app code behind each fixture scenario of bin/generate-fixtures (named as in
# /work/shared/rails-vectors/README.md). Written the way application code writes sessions and
# cookies, because that is what decides the Ruby objects Rails serializes: `session[:user_id]`
# stores the key "user_id" as Symbol#to_s (US-ASCII under Marshal), a literal "a" is UTF-8.
# Rcc::Scenarios (lib/rcc/scenarios.rb) says which cookie each scenario produces.
class ScenariosController < ApplicationController
  def run
    scenario = params[:scenario]
    raise ActionController::RoutingError, "unknown scenario #{scenario}" unless Rcc::Scenarios::ALL.key?(scenario)
    send("scenario_#{scenario}")
    head :no_content
  end

  private
    def extra!(hash)
      request.set_header("rcc.extra", hash)
    end

    # Integers (incl. 2**40), floats, unicode, HTML characters, arrays, nested hashes, a Devise
    # key, an empty string, and a flash notice that outlives the request (stored in the session
    # as "flash" => {"discard" => [], "flashes" => {"notice" => ...}}, ActionDispatch::Flash).
    def scenario_session_rich
      if rails3?
        # Rails 3.2's SessionHash stored String keys (key.to_s); the session_id is
        # SecureRandom.hex(16) as Rack's did. No flash: Rails 3 marshalled a FlashHash object
        # whose layout 6.1 cannot reproduce.
        rich = { "session_id" => SecureRandom.hex(16) }
        rich_session_values.each { |k, v| rich[k.to_s] = v }
        cookies[rcc_config.session_key] = { value: rails3_verifier.generate(rich), httponly: true }
      else
        rich_session_values.each { |k, v| session[k] = v }
        flash[:notice] = "Signed in successfully."
      end
    end

    def rich_session_values
      {
        user_id: 42,
        name: "Zoë 🍪 <b>&amp;",
        count: 2**40,
        ratio: 0.1,
        neg: -7,
        flags: [true, false, nil],
        nested: { "a" => [1, "two", { "three" => 3.5 }], "empty" => {} },
        "warden.user.user.key" => [[7], "$2a$12$abcdefghijklmnopqrstuv"],
        empty_string: "",
      }
    end

    # Marshal only: objects JSON cannot carry.
    def scenario_session_ruby_types
      same = "same"
      session[:sym] = :admin
      session[:at] = Time.utc(2024, 2, 29, 12, 30, 45, 123456)
      session[:big] = 2**70
      session[:neg_big] = -(2**65)
      session[:big_odd] = 12345678901234567890123
      session[:past_safe] = 2**53 + 1
      session[:float] = 1.0 / 3
      session[:bin] = "\xFF\x00raw".b
      session[:range] = 1..10
      session[:prefs] = ActiveSupport::HashWithIndifferentAccess.new("lang" => "fr", "tz" => "Europe/Paris")
      session[:twice] = [same, same]
    end

    # form_authenticity_token stores the raw token in session[:_csrf_token] and returns it
    # masked (actionpack/lib/action_controller/metal/request_forgery_protection.rb).
    def scenario_session_csrf
      extra!("csrf_token" => form_authenticity_token)
    end

    # Written with the clock stubbed into the past by bin/oracle ("now"), in an app with
    # expire_after: the envelope's "exp" is already over when read at the real time.
    def scenario_session_expired
      session[:user_id] = 42
    end

    def scenario_encrypted_plain
      cookies.encrypted[:remember] = "token-123"
    end

    def scenario_encrypted_hash_expiring
      cookies.encrypted[:prefs] = { value: { "theme" => "dark", "n" => 3 }, expires: Time.utc(2099, 1, 2, 3, 4, 5) }
    end

    def scenario_encrypted_expired
      cookies.encrypted[:old] = { value: "stale", expires: Time.utc(2001, 1, 1) }
    end

    def scenario_signed_int
      if rails3?
        cookies[:uid] = rails3_verifier.generate(1234)
      else
        cookies.signed[:uid] = 1234
      end
    end

    def scenario_signed_permanent
      if rails3?
        cookies.permanent[:login] = rails3_verifier.generate("alice")
      else
        cookies.permanent.signed[:login] = "alice"
      end
    end

    # What a Rails 5.0/5.1 app with config.action_dispatch.cookies_digest = "SHA256" wrote with
    # cookies.encrypted: AES-256-CBC, HMAC-SHA256, no metadata envelope
    # (EncryptedCookieJar#initialize @v5.1.7 passed `digest: digest`). Rails 6.1 itself never
    # writes this: its CBC encryptor always uses HMAC-SHA1 and cookies_digest only configures
    # the legacy-CBC rotation of a GCM app. So the same real classes are put together the 5.1 way
    # and the result goes out through the plain cookie jar (Rack escaping, real Set-Cookie).
    def scenario_encrypted_rails51_cbc_sha256
      kg = Rails.application.key_generator
      secret = kg.generate_key(request.encrypted_cookie_salt, ActiveSupport::MessageEncryptor.key_len("aes-256-cbc"))
      sign_secret = kg.generate_key(request.encrypted_signed_cookie_salt)
      encryptor = ActiveSupport::MessageEncryptor.new(secret, sign_secret, cipher: "aes-256-cbc", digest: "SHA256",
                                                      serializer: ActiveSupport::MessageEncryptor::NullSerializer)
      serializer = rcc_config.serializer == "marshal" ? Marshal : ActionDispatch::Cookies::JsonSerializer
      cookies[:legacy] = encryptor.encrypt_and_sign(serializer.dump("token-51"))
    end
end
