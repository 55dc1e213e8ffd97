# frozen_string_literal: true

# No Bundler: the app runs on Debian's system gems (ruby-rails 6.1.7.10), so the Rails version is
# whatever `apt-get install ruby-rails` gave. Production environment: no host authorization
# (development blocks Rack::MockRequest's example.org), no code reloading, no dev secret file.
ENV["RAILS_ENV"] ||= "production"
$LOAD_PATH.unshift File.expand_path("../lib", __dir__)
